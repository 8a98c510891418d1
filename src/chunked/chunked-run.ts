import type { ChunkProgress } from '../backends/workflow-store.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { sleep } from '../time/sleep.ts';
import type { ChunkCursor } from './chunk-cursor.ts';
import { ChunkedRunTimeout } from './chunk-errors.ts';
import type { CursorKind, RunProgress } from './chunk-types.ts';
import {
  chunkedSubject,
  connectedProgressStore,
  type ProgressHost,
  progressKey,
} from './progress-store.ts';

/** How `wait()` polls the progress. */
export interface RunWaitOptions {
  /** Give up with ChunkedRunTimeout after this long (default: wait forever). */
  timeout?: Duration;
  /** Time between two reads of the progress (default 100 ms). */
  interval?: Duration;
}

/** A handle on one run of a chunked task, as `start()` returns it. */
export interface ChunkedRun<C extends CursorKind> {
  /** The run id (the same in every chunk's message). */
  readonly id: string;
  /** The key its progress is stored under (for `app.chunkProgress(key)`). */
  readonly key: string;
  /** The committed progress, or undefined once it expired. */
  progress(): Promise<RunProgress<C> | undefined>;
  /** Resolves with the final progress once the run is done. */
  wait(options?: RunWaitOptions): Promise<RunProgress<C>>;
}

/** Reads runs' progress of one chunked task. */
export class RunProgressReader<C extends CursorKind> {
  constructor(
    private readonly host: ProgressHost,
    private readonly taskName: string,
    private readonly cursor: ChunkCursor,
  ) {}

  /** The committed progress of `runId`, typed for the cursor, or undefined. */
  async read(runId: string): Promise<RunProgress<C> | undefined> {
    const store = await connectedProgressStore(this.host, chunkedSubject(this.taskName));
    const stored = await store.readProgress(progressKey(this.taskName, runId));
    return stored && this.toRunProgress(stored);
  }

  /** Polls until the run is done; ChunkedRunTimeout after `timeout`. */
  async waitDone(runId: string, options: RunWaitOptions = {}): Promise<RunProgress<C>> {
    const timeoutMs = options.timeout === undefined ? Infinity : parseDuration(options.timeout);
    const intervalMs = parseDuration(options.interval ?? 100);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const progress = await this.read(runId);
      if (progress?.done) return progress;
      if (Date.now() >= deadline) throw new ChunkedRunTimeout(this.taskName, runId, timeoutMs);
      await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
    }
  }

  /** The handle of one run. */
  handle(runId: string): ChunkedRun<C> {
    return {
      id: runId,
      key: progressKey(this.taskName, runId),
      progress: () => this.read(runId),
      wait: (options) => this.waitDone(runId, options),
    };
  }

  private toRunProgress(stored: ChunkProgress): RunProgress<C> {
    return {
      step: stored.step,
      cursor: this.cursor.toPosition(stored.cursor) as RunProgress<C>['cursor'],
      processed: stored.processed,
      done: stored.done,
      updatedAt: new Date(stored.updatedAt),
    };
  }
}
