import type { Logger } from 'pino';
import type { ClusterEvent } from '../cluster-event.ts';
import type { EventSink } from '../event-sink.ts';
import { EventRing } from './event-ring.ts';

/** How a dispatcher buffers, batches and reports; every field has a default. */
export interface SinkDispatcherOptions {
  /** Events held while the sink lags; past it the oldest are dropped. Default 10,000. */
  capacity?: number;
  /** Largest batch handed to `write()`, and the fill that triggers a write. Default 500. */
  batchSize?: number;
  /** A partial batch is written after this long. Default 1 s. */
  flushIntervalMs?: number;
  /** How long `close()` waits for the sink before giving up on what it holds. Default 5 s. */
  closeTimeoutMs?: number;
  /** A failing sink is logged at most once per this long. Default 1 min. */
  errorLogIntervalMs?: number;
}

/** What became of the events handed to one sink. */
export interface SinkStats {
  /** Events in batches the sink stored. */
  written: number;
  /** Events lost: pushed out of a full buffer, in a failed batch, or left at close. */
  dropped: number;
  /** Writes (and closes) that threw or rejected. */
  errors: number;
}

const DEFAULTS = {
  capacity: 10_000,
  batchSize: 500,
  flushIntervalMs: 1000,
  closeTimeoutMs: 5000,
  errorLogIntervalMs: 60_000,
} as const;

/**
 * Feeds one sink from a bounded buffer, off the task's path: `push()` is synchronous and O(1),
 * writes run one at a time on later turns of the event loop, and a sink that throws, hangs or
 * lags only loses its own events (counted), never delays or fails the emitter.
 */
export class SinkDispatcher {
  readonly #sink: EventSink;
  readonly #log: Logger;
  readonly #options: Required<SinkDispatcherOptions>;
  readonly #ring: EventRing<ClusterEvent>;
  readonly #types: ReadonlySet<string> | undefined;
  readonly #stats: SinkStats = { written: 0, dropped: 0, errors: 0 };
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #scheduled = false;
  #lastErrorLogAt = Number.NEGATIVE_INFINITY;
  #unloggedErrors = 0;

  constructor(sink: EventSink, log: Logger, options: SinkDispatcherOptions = {}) {
    this.#sink = sink;
    this.#log = log;
    this.#options = { ...DEFAULTS, ...options };
    this.#ring = new EventRing(this.#options.capacity);
    this.#types = sink.types ? new Set(sink.types) : undefined;
  }

  /** The sink it feeds. */
  get sink(): EventSink {
    return this.#sink;
  }

  /** The sink's name. */
  get name(): string {
    return this.#sink.name;
  }

  /** True when the sink takes events of `type`. */
  wants(type: ClusterEvent['type']): boolean {
    return this.#types === undefined || this.#types.has(type);
  }

  /** Buffers an event for the sink; drops the oldest when full. Never throws, never waits. */
  push(event: ClusterEvent): void {
    if (!this.wants(event.type)) return;
    if (this.#ring.push(event)) this.#stats.dropped++;
    this.#timer ??= setInterval(() => this.#writeNext(), this.#options.flushIntervalMs).unref();
    if (this.#ring.size >= this.#options.batchSize) this.#writeSoon();
  }

  /** Counts so far (a copy). */
  stats(): SinkStats {
    return { ...this.#stats };
  }

  /**
   * Writes what is buffered, then closes the sink; gives up after `closeTimeoutMs` (the rest
   * is counted as dropped). Events pushed later start a new round (a file sink reopens).
   */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timeout = setTimeout(() => resolve(true), this.#options.closeTimeoutMs);
    });
    const done = await Promise.race([this.#drainAndClose().then(() => false), gaveUp]);
    clearTimeout(timeout);
    if (!done) return;
    const left = this.#ring.take(this.#ring.size).length;
    this.#stats.dropped += left;
    this.#log.warn(
      { sink: this.name, dropped: left },
      `event sink "${this.name}" did not finish within ${this.#options.closeTimeoutMs}ms at close`,
    );
  }

  /** Writes everything buffered now; resolves once the sink has had it (or failed). */
  async flush(): Promise<void> {
    while (this.#inFlight || this.#ring.size > 0) {
      if (this.#inFlight) await this.#inFlight;
      else this.#writeNext();
    }
  }

  async #drainAndClose(): Promise<void> {
    await this.flush();
    try {
      await this.#sink.close?.();
    } catch (error) {
      this.#failed(error, 0);
    }
  }

  // A full batch is written on a later turn, so a sink's synchronous code never runs in emit().
  #writeSoon(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#writeNext();
    });
  }

  #writeNext(): void {
    if (this.#inFlight || this.#ring.size === 0) return;
    const batch = this.#ring.take(this.#options.batchSize);
    this.#inFlight = this.#write(batch).finally(() => {
      this.#inFlight = undefined;
      if (this.#ring.size >= this.#options.batchSize) this.#writeSoon();
    });
  }

  async #write(batch: ClusterEvent[]): Promise<void> {
    try {
      await this.#sink.write(batch);
      this.#stats.written += batch.length;
    } catch (error) {
      this.#failed(error, batch.length);
    }
  }

  // A dead sink fails every second: log the first failure, then one line per interval.
  #failed(error: unknown, lost: number): void {
    this.#stats.errors++;
    this.#stats.dropped += lost;
    this.#unloggedErrors++;
    const now = Date.now();
    if (now - this.#lastErrorLogAt < this.#options.errorLogIntervalMs) return;
    this.#log.error(
      {
        err: error,
        sink: this.name,
        errors: this.#stats.errors,
        failuresSinceLastLog: this.#unloggedErrors,
      },
      `event sink "${this.name}" failed${lost > 0 ? `; dropped a batch of ${lost} events` : ' to close'}`,
    );
    this.#lastErrorLogAt = now;
    this.#unloggedErrors = 0;
  }
}
