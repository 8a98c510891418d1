import {
  type ChunkCursor,
  describe,
  doneOverride,
  malformedCursor,
  processedOf,
} from './chunk-cursor.ts';
import { BadChunkedRun } from './chunk-errors.ts';
import type { TimeChunk } from './chunk-types.ts';
import type { TimePlan } from './chunked-options.ts';
import type { ChunkStepMessage } from './step-message.ts';

/**
 * Fixed-length, half-open time chunks [from, to) from the run's start to its end. The end is
 * fixed when the run starts and travels in every message, so a long run does not chase "now".
 */
export function timeCursor(plan: TimePlan): ChunkCursor<TimeChunk> {
  const { taskName, stepMs } = plan;
  return {
    firstMessage(runId, start, now) {
      const from = start.from === undefined ? plan.start : validDate(taskName, 'from', start.from);
      const end =
        start.end === undefined
          ? (plan.end ?? new Date(now))
          : validDate(taskName, 'end', start.end);
      if (end.getTime() <= from.getTime()) {
        throw new BadChunkedRun(
          taskName,
          `end ${end.toISOString()} is not after start ${from.toISOString()}`,
        );
      }
      return { runId, step: 0, cursor: from.toISOString(), end: end.toISOString() };
    },

    chunkAt(message, cursor) {
      const from = typeof cursor === 'string' ? Date.parse(cursor) : Number.NaN;
      const end = endOf(message);
      if (Number.isNaN(from) || Number.isNaN(end)) throw malformedCursor(taskName, message);
      const to = new Date(Math.min(from + stepMs, end));
      return { runId: message.runId, step: message.step, from: new Date(from), to };
    },

    advance(message, chunk, result) {
      const processed = processedOf(taskName, chunk.step, result);
      const covered = chunk.to.getTime() >= endOf(message);
      const done = doneOverride(taskName, chunk.step, result) || covered;
      return { cursor: chunk.to.toISOString(), processed, done };
    },

    toPosition: (cursor) => new Date(cursor as string),
  };
}

function validDate(taskName: string, name: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    const shown = value instanceof Date ? 'Invalid Date' : describe(value);
    throw new BadChunkedRun(taskName, `${name} must be a valid Date, got ${shown}`);
  }
  return value;
}

function endOf(message: ChunkStepMessage): number {
  return typeof message.end === 'string' ? Date.parse(message.end) : Number.NaN;
}
