import { Reject } from '../errors/errors.ts';
import { BadChunkResult } from './chunk-errors.ts';
import type { ChunkIdentity } from './chunk-types.ts';
import type { ChunkStepMessage } from './step-message.ts';

/** Where a run goes after one chunk. */
export interface Advance {
  /** The stored cursor of the next chunk. */
  cursor: number | string | null;
  /** Items this chunk processed. */
  processed: number;
  done: boolean;
}

/** How one cursor kind turns stored positions into chunks and handler results into advances. */
export interface ChunkCursor<Chunk extends ChunkIdentity = ChunkIdentity> {
  /** The first chunk's message of a new run; BadChunkedRun for bad start options. */
  firstMessage(runId: string, start: Record<string, unknown>, now: number): ChunkStepMessage;
  /** The chunk starting at the stored `cursor`, for the run and step of `message`. */
  chunkAt(message: ChunkStepMessage, cursor: number | string | null): Chunk;
  /** Checks the handler's result; BadChunkResult when the run cannot advance with it. */
  advance(message: ChunkStepMessage, chunk: Chunk, result: unknown): Advance;
  /** A stored cursor as users see it (an id, or a Date). */
  toPosition(cursor: number | string | null): number | null | Date;
}

/** `processed` of a handler result: a non-negative integer, or BadChunkResult. */
export function processedOf(taskName: string, step: number, result: unknown): number {
  const processed = (result as { processed?: unknown } | null)?.processed;
  if (typeof result !== 'object' || result === null || typeof processed !== 'number') {
    throw new BadChunkResult(
      taskName,
      step,
      `the handler must return { processed: number, … }, got ${describe(result)}`,
    );
  }
  if (!Number.isSafeInteger(processed) || processed < 0) {
    throw new BadChunkResult(
      taskName,
      step,
      `"processed" must be a non-negative integer, got ${processed}`,
    );
  }
  return processed;
}

/** `done` of a handler result when given: a boolean, or BadChunkResult. */
export function doneOverride(taskName: string, step: number, result: unknown): boolean | undefined {
  const done = (result as { done?: unknown }).done;
  if (done === undefined || typeof done === 'boolean') return done;
  throw new BadChunkResult(taskName, step, `"done" must be true or false, got ${describe(done)}`);
}

/** A value as an error message shows it. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Rejects a message whose cursor does not fit the task's cursor kind (no retry can fix it). */
export function malformedCursor(taskName: string, message: ChunkStepMessage): Reject {
  return new Reject(
    `chunked task "${taskName}" got a chunk message with a bad cursor: ${describe(message)}`,
  );
}
