import type { TaskContext } from '../task/context.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Duration } from '../time/duration.ts';

/** How a chunked task walks its source: by sparse integer ids (keyset) or by time range. */
export type CursorKind = 'id' | 'time';

/** What every chunk carries besides its bounds: the run and the chunk's number in it. */
export interface ChunkIdentity {
  /** The run this chunk belongs to (the same for every chunk of one `start()`). */
  readonly runId: string;
  /** 0 for the first chunk, then 1, 2, … (use `runId` + `step` as an idempotency key). */
  readonly step: number;
}

/** A chunk of ids: the handler reads `WHERE id > after ORDER BY id LIMIT limit`. */
export interface IdChunk extends ChunkIdentity {
  /** The last id of the previous chunk; null for the first chunk of a run from the start. */
  readonly after: number | null;
  /** The chunk size. */
  readonly limit: number;
}

/** A chunk of time, half-open: `from <= t < to`. */
export interface TimeChunk extends ChunkIdentity {
  /** The chunk's start, included. */
  readonly from: Date;
  /** The chunk's end, excluded. */
  readonly to: Date;
}

/** What an id handler returns. Fewer than `limit` ids processed means the source is exhausted. */
export interface IdChunkResult {
  /** How many ids this chunk read from the source. */
  processed: number;
  /** The greatest id read; required when `processed` > 0. The next chunk starts after it. */
  last?: number | null | undefined;
  /** Ends (true) or continues (false) the run regardless of `processed`. */
  done?: boolean;
}

/** What a time handler returns. The run ends when the range is covered. */
export interface TimeChunkResult {
  /** How many items this chunk processed (counted into the run's progress). */
  processed: number;
  /** True ends the run early. */
  done?: boolean;
}

/** Options of an id-cursor task. */
export interface IdCursorOptions {
  /** Walk the source by integer ids, in increasing order. */
  cursor: 'id';
  /** Ids per chunk: a positive integer. */
  chunkSize: number;
  /** Time between chunks: the next chunk is sent with this countdown. Rate = chunkSize / pause. */
  pause: Duration;
}

/** Options of a time-cursor task. */
export interface TimeCursorOptions {
  /** Walk the source by time, one `step` at a time. */
  cursor: 'time';
  /** Where runs start unless `start({ from })` says otherwise. */
  start: Date;
  /** Where runs end (exclusive); default: the moment each run starts. */
  end?: Date;
  /** The length of one chunk, such as '1h'. */
  step: Duration;
  /** Time between chunks: the next chunk is sent with this countdown. */
  pause: Duration;
}

/** Per-cursor types, so the chunk and result types follow from `cursor`. */
export interface CursorTypes {
  id: {
    options: IdCursorOptions;
    chunk: IdChunk;
    result: IdChunkResult;
    start: { after?: number | null };
    position: number | null;
  };
  time: {
    options: TimeCursorOptions;
    chunk: TimeChunk;
    result: TimeChunkResult;
    start: { from?: Date; end?: Date };
    position: Date;
  };
}

/** The options of `app.chunkedTask`: the cursor's own, plus any task option. */
export type ChunkedTaskOptions<C extends CursorKind> = CursorTypes[C]['options'] & TaskOptions;

/** A chunk handler: the task context and one chunk; returns what it processed. */
export type ChunkHandler<C extends CursorKind> = (
  ctx: TaskContext,
  chunk: CursorTypes[C]['chunk'],
) => CursorTypes[C]['result'] | Promise<CursorTypes[C]['result']>;

/** Options of one `start()`: where the run begins, and where its first chunk is sent. */
export type StartOptions<C extends CursorKind> = CursorTypes[C]['start'] & {
  /** Queue of every chunk of this run (default: the task's queue or route). */
  queue?: string;
  /** Delay before the first chunk. */
  countdown?: Duration;
};

/** A run's progress as `progress()` reports it. */
export interface RunProgress<C extends CursorKind> {
  /** Chunks committed so far. */
  step: number;
  /** Where the next chunk starts: the last id processed, or the start of the next time chunk. */
  cursor: CursorTypes[C]['position'];
  /** Items processed so far, over all committed chunks. */
  processed: number;
  /** True once the source is exhausted (or a handler said `done`). */
  done: boolean;
  /** When the last chunk was committed. */
  updatedAt: Date;
}
