import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClusterEvent } from '../cluster-event.ts';
import type { EventSink } from '../event-sink.ts';
import { checkSinkTypes } from './sink-types.ts';

/** Options of `jsonLinesSink`. */
export interface JsonLinesSinkOptions {
  /** Once the file would pass this size, it is renamed `<path>.1` (replacing the previous one). */
  rotateBytes?: number;
  /** Only these event types are written (`['task:succeeded', 'task:failed']`); default all. */
  types?: readonly ClusterEvent['type'][];
  /** The sink's name in logs and metrics; default `json-lines:<path>`. */
  name?: string;
}

/**
 * A sink that appends each event as one JSON object per line to a file, opened on the first
 * write in append mode. Not fsynced: a crash of the machine may lose the last lines.
 */
export function jsonLinesSink(path: string, options: JsonLinesSinkOptions = {}): EventSink {
  if (typeof path !== 'string' || path.trim() === '')
    throw new TypeError('jsonLinesSink: expected a file path');
  const { rotateBytes } = options;
  if (rotateBytes !== undefined && !(Number.isInteger(rotateBytes) && rotateBytes > 0))
    throw new TypeError(
      `jsonLinesSink: rotateBytes must be a positive integer, got ${rotateBytes}`,
    );
  return new JsonLinesSink(
    path,
    rotateBytes,
    checkSinkTypes('jsonLinesSink', options.types),
    options.name,
  );
}

class JsonLinesSink implements EventSink {
  readonly name: string;
  #stream: WriteStream | undefined;
  #bytes = 0;

  constructor(
    readonly path: string,
    readonly rotateBytes: number | undefined,
    readonly types: readonly ClusterEvent['type'][] | undefined,
    name: string | undefined,
  ) {
    this.name = name ?? `json-lines:${path}`;
  }

  /** Appends the batch as lines, rotating first when it would pass `rotateBytes`. */
  async write(events: readonly ClusterEvent[]): Promise<void> {
    if (events.length === 0) return;
    const text = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    const size = Buffer.byteLength(text);
    let stream = this.#stream ?? (await this.#open());
    if (this.#bytes > 0 && this.#bytes + size > (this.rotateBytes ?? Number.POSITIVE_INFINITY)) {
      await this.#rotate();
      stream = await this.#open();
    }
    await new Promise<void>((resolve, reject) =>
      stream.write(text, (error) => (error ? reject(error) : resolve())),
    );
    this.#bytes += size;
  }

  /** Ends the file stream; a later write reopens it. */
  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) await endStream(stream);
  }

  async #open(): Promise<WriteStream> {
    const dir = dirname(this.path);
    const dirStat = await stat(dir).catch(() => undefined);
    if (!dirStat?.isDirectory())
      throw new Error(`cannot write events to ${this.path}: directory does not exist`);
    this.#bytes = (await stat(this.path).catch(() => undefined))?.size ?? 0;
    const stream = createWriteStream(this.path, { flags: 'a' });
    // Failures also reach the pending write's callback; this keeps them from being unhandled.
    stream.on('error', () => {
      if (this.#stream === stream) this.#stream = undefined;
    });
    this.#stream = stream;
    return stream;
  }

  async #rotate(): Promise<void> {
    await this.close();
    await rename(this.path, `${this.path}.1`).catch((error: NodeJS.ErrnoException) => {
      // Someone moved the file away already (logrotate): the next open starts a new one.
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
