import {
  type ChunkCursor,
  describe,
  doneOverride,
  malformedCursor,
  processedOf,
} from './chunk-cursor.ts';
import { BadChunkedRun, BadChunkResult } from './chunk-errors.ts';
import type { IdChunk } from './chunk-types.ts';
import type { IdPlan } from './chunked-options.ts';

/**
 * Keyset pagination over sparse integer ids: a chunk is "the next `limit` ids after `after`",
 * so gaps in the ids cost nothing and no list of ids is ever held or sent.
 */
export function idCursor(plan: IdPlan): ChunkCursor<IdChunk> {
  const { taskName, chunkSize } = plan;
  return {
    firstMessage(runId, start) {
      const after = start.after ?? null;
      if (after !== null && !Number.isSafeInteger(after)) {
        throw new BadChunkedRun(
          taskName,
          `after must be an integer id or null, got ${describe(after)}`,
        );
      }
      return { runId, step: 0, cursor: after as number | null };
    },

    chunkAt(message, cursor) {
      if (cursor !== null && typeof cursor !== 'number') throw malformedCursor(taskName, message);
      return {
        runId: message.runId,
        step: message.step,
        after: cursor as number | null,
        limit: chunkSize,
      };
    },

    advance(_message, chunk, result) {
      const processed = processedOf(taskName, chunk.step, result);
      const done = doneOverride(taskName, chunk.step, result) ?? processed < chunk.limit;
      if (processed === 0) return { cursor: chunk.after, processed, done };
      const last = (result as { last?: unknown }).last;
      const afterOk = chunk.after === null || (last as number) > chunk.after;
      if (!Number.isSafeInteger(last) || !afterOk) {
        const bound =
          chunk.after === null
            ? 'an integer id'
            : `an integer id greater than after (${chunk.after})`;
        throw new BadChunkResult(
          taskName,
          chunk.step,
          `"last" must be ${bound} when processed is ${processed}, got ${describe(last)}`,
        );
      }
      return { cursor: last as number, processed, done };
    },

    toPosition: (cursor) => cursor as number | null,
  };
}
