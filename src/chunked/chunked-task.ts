import { randomUUID } from 'node:crypto';
import { ConfigError } from '../errors/errors.ts';
import type { TaskContext } from '../task/context.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Duration } from '../time/duration.ts';
import type { ChunkCursor } from './chunk-cursor.ts';
import { BadChunkedRun } from './chunk-errors.ts';
import type {
  ChunkedTaskOptions,
  ChunkHandler,
  ChunkIdentity,
  CursorKind,
  RunProgress,
  StartOptions,
} from './chunk-types.ts';
import { type ChunkPlan, resolveChunkedOptions } from './chunked-options.ts';
import { type ChunkedRun, RunProgressReader } from './chunked-run.ts';
import { idCursor } from './id-cursor.ts';
import {
  chunkedSubject,
  connectedProgressStore,
  progressKey,
  stepTaskId,
} from './progress-store.ts';
import { type ChunkedRuntime, runChunkStep, type StepHost } from './run-step.ts';
import { timeCursor } from './time-cursor.ts';

/** A chunked task: `start()` a run, then follow it with `progress()`. */
export interface ChunkedTask<C extends CursorKind> {
  /** The registered name (its chunks are messages of this task). */
  readonly taskName: string;
  /** Stores the run's initial progress and sends its first chunk; resolves with its handle. */
  start(options?: StartOptions<C>): Promise<ChunkedRun<C>>;
  /** The committed progress of a run, or undefined (unknown or expired). */
  progress(runId: string): Promise<RunProgress<C> | undefined>;
  /** The handle of a run started earlier, say by another process. */
  run(runId: string): ChunkedRun<C>;
}

/** What defining a chunked task needs of the app. */
export interface ChunkedHost extends StepHost {
  task(
    name: string,
    options: TaskOptions,
    handler: (ctx: TaskContext, message: unknown) => unknown,
  ): unknown;
}

const START_KEYS: Record<CursorKind, string[]> = {
  id: ['after', 'queue', 'countdown'],
  time: ['from', 'end', 'queue', 'countdown'],
};

/** Registers the task that runs one chunk per message, and returns the chunked task's handle. */
export function defineChunkedTask<C extends CursorKind>(
  host: ChunkedHost,
  name: string,
  options: ChunkedTaskOptions<C>,
  handler: ChunkHandler<C>,
): ChunkedTask<C> {
  if (typeof handler !== 'function') {
    throw new TypeError(`chunked task "${name}" needs a handler function`);
  }
  const { plan, taskOptions } = resolveChunkedOptions(
    name,
    options as unknown as Record<string, unknown>,
  );
  checkPauseWithinTtl(plan, host.resultTtlMs());
  const cursor = cursorFor(plan);
  const runtime: ChunkedRuntime = {
    plan,
    cursor,
    host,
    handler: handler as unknown as ChunkedRuntime['handler'],
  };
  host.task(name, taskOptions, (ctx, message) => runChunkStep(runtime, ctx, message));
  const reader = new RunProgressReader<C>(host, name, cursor);
  return {
    taskName: name,
    start: async (start = {} as StartOptions<C>) => {
      const runId = await startRun(runtime, start as Record<string, unknown>);
      return reader.handle(runId);
    },
    progress: (runId) => reader.read(runId),
    run: (runId) => reader.handle(runId),
  };
}

/** Checks the start options, stores step 0 and sends the first chunk; returns the run id. */
async function startRun(runtime: ChunkedRuntime, start: Record<string, unknown>): Promise<string> {
  const { plan, cursor, host } = runtime;
  rejectUnknownStartKeys(plan, start);
  const runId = randomUUID();
  const first = cursor.firstMessage(runId, start, Date.now());
  const store = await connectedProgressStore(host, chunkedSubject(plan.taskName));
  // Stored before the first chunk is sent, so progress() answers from the start.
  const initial = {
    step: 0,
    cursor: first.cursor,
    processed: 0,
    done: false,
    updatedAt: Date.now(),
  };
  await store.commitProgress(progressKey(plan.taskName, runId), 0, initial, host.resultTtlMs());
  await host.send(plan.taskName, [first], {
    id: stepTaskId(runId, 0),
    queue: start.queue as string | undefined,
    countdown: start.countdown as Duration | undefined,
  });
  return runId;
}

/** A pause as long as the progress TTL would let a run's progress expire between chunks. */
function checkPauseWithinTtl(plan: ChunkPlan, ttlMs: number): void {
  if (ttlMs > 0 && plan.pauseMs >= ttlMs) {
    throw new ConfigError(
      `tasks['${plan.taskName}'].pause`,
      `${plan.pauseMs} ms is not shorter than resultTtl (${ttlMs} ms), which keeps a run's ` +
        'progress between chunks',
    );
  }
}

function rejectUnknownStartKeys(plan: ChunkPlan, start: Record<string, unknown>): void {
  if (typeof start !== 'object' || start === null) {
    throw new BadChunkedRun(plan.taskName, 'start options must be an object');
  }
  const known = START_KEYS[plan.kind];
  const unknown = Object.keys(start).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new BadChunkedRun(
      plan.taskName,
      `unknown start option "${unknown}" (known: ${known.join(', ')})`,
    );
  }
}

function cursorFor(plan: ChunkPlan): ChunkCursor<ChunkIdentity> {
  return (plan.kind === 'id' ? idCursor(plan) : timeCursor(plan)) as ChunkCursor<ChunkIdentity>;
}
