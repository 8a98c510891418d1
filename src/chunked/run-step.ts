import type { ResultBackend } from '../backends/backend.ts';
import type { ChunkProgress } from '../backends/workflow-store.ts';
import { Reject } from '../errors/errors.ts';
import type { AsyncResult } from '../result/async-result.ts';
import type { TaskContext } from '../task/context.ts';
import type { SendOptions } from '../task/options.ts';
import type { ChunkCursor } from './chunk-cursor.ts';
import type { ChunkIdentity } from './chunk-types.ts';
import type { ChunkPlan } from './chunked-options.ts';
import {
  chunkedSubject,
  connectedProgressStore,
  type ProgressHost,
  type ProgressStore,
  progressKey,
  stepTaskId,
} from './progress-store.ts';
import { type ChunkStepMessage, parseStepMessage } from './step-message.ts';

/** What running a chunk needs of the app. */
export interface StepHost extends ProgressHost {
  send(name: string, args: unknown[], options: SendOptions): Promise<AsyncResult<unknown>>;
  resultTtlMs(): number;
}

/** One chunked task, as its runs need it. */
export interface ChunkedRuntime {
  plan: ChunkPlan;
  cursor: ChunkCursor;
  handler: (ctx: TaskContext, chunk: ChunkIdentity) => unknown;
  host: StepHost;
}

/** The stored result of one chunk's message, which says what this delivery did. */
export interface StepOutcome {
  /** The run the chunk belongs to. */
  runId: string;
  /** The chunk's number in its run, from 0. */
  step: number;
  /**
   * `committed`: ran the chunk and committed it. `lost`: ran the chunk, but another run of the
   * same chunk committed first. `duplicate`: the chunk was committed before (a duplicate
   * delivery); nothing ran. `resent`: the same, and the next chunk's message was sent again.
   */
  outcome: 'committed' | 'lost' | 'duplicate' | 'resent';
  /** True when this delivery sent the next chunk's message. */
  sentNext: boolean;
  /** The run's progress after this delivery. */
  progress: ChunkProgress | undefined;
}

/**
 * Runs the chunk a message names, at least once per chunk: reads the committed progress, runs
 * the handler from the committed cursor, commits with a compare-and-set on the step, and only
 * the winner of that commit sends the next chunk.
 */
export async function runChunkStep(
  runtime: ChunkedRuntime,
  ctx: TaskContext,
  raw: unknown,
): Promise<StepOutcome> {
  const { taskName } = runtime.plan;
  const message = parseStepMessage(taskName, raw);
  const store = await connectedProgressStore(runtime.host, chunkedSubject(taskName));
  const key = progressKey(taskName, message.runId);
  const stored = await store.readProgress(key);
  const committedStep = stored?.step ?? 0;
  if (stored && committedStep > message.step) return settleDuplicate(runtime, ctx, message, stored);
  if (committedStep < message.step) {
    throw new Reject(
      `chunked task "${taskName}" run ${message.runId}: progress is at step ${committedStep}, ` +
        `behind this chunk's step ${message.step} (did it expire or get deleted?)`,
    );
  }
  return runAndCommit(runtime, ctx, message, { store, key, stored });
}

/** The progress a chunk runs from, and where it is stored. */
interface ProgressAt {
  store: ProgressStore;
  key: string;
  stored: ChunkProgress | undefined;
}

async function runAndCommit(
  runtime: ChunkedRuntime,
  ctx: TaskContext,
  message: ChunkStepMessage,
  { store, key, stored }: ProgressAt,
): Promise<StepOutcome> {
  // The committed cursor wins over the message's: a re-run resumes where the last commit was.
  const chunk = runtime.cursor.chunkAt(message, stored ? stored.cursor : message.cursor);
  const result = await runtime.handler(ctx, chunk);
  const advance = runtime.cursor.advance(message, chunk, result);
  const next: ChunkProgress = {
    step: message.step + 1,
    cursor: advance.cursor,
    processed: (stored?.processed ?? 0) + advance.processed,
    done: advance.done,
    updatedAt: Date.now(),
  };
  const base = { runId: message.runId, step: message.step };
  const won = await store.commitProgress(key, message.step, next, runtime.host.resultTtlMs());
  if (!won) {
    ctx.log.info(base, 'chunk committed by another run of it first; not sending the next');
    return { ...base, outcome: 'lost', sentNext: false, progress: await store.readProgress(key) };
  }
  if (!next.done) await sendNext(runtime, ctx, message, next);
  return { ...base, outcome: 'committed', sentNext: !next.done, progress: next };
}

/**
 * A chunk delivered again after its commit. When the commit was the last one and the run is
 * not done, the next chunk's message may never have been sent (a crash between commit and
 * send): send it again, unless this message's stored result shows its earlier delivery sent it.
 */
async function settleDuplicate(
  runtime: ChunkedRuntime,
  ctx: TaskContext,
  message: ChunkStepMessage,
  stored: ChunkProgress,
): Promise<StepOutcome> {
  const base = { runId: message.runId, step: message.step, progress: stored };
  const latest = stored.step === message.step + 1 && !stored.done;
  if (!latest || (await nextWasSent(runtime.host.backend, message))) {
    ctx.log.info(base, 'chunk already committed (duplicate delivery); nothing to do');
    return { ...base, outcome: 'duplicate', sentNext: false };
  }
  ctx.log.warn(base, 'chunk already committed; sending the next chunk again in case it was lost');
  await sendNext(runtime, ctx, message, stored);
  return { ...base, outcome: 'resent', sentNext: true };
}

/** True when an earlier delivery of this chunk's message finished and sent the next one. */
async function nextWasSent(
  backend: ResultBackend | undefined,
  message: ChunkStepMessage,
): Promise<boolean> {
  const record = await backend?.get(stepTaskId(message.runId, message.step));
  return record?.state === 'SUCCESS' && (record.value as StepOutcome | null)?.sentNext === true;
}

async function sendNext(
  runtime: ChunkedRuntime,
  ctx: TaskContext,
  message: ChunkStepMessage,
  progress: ChunkProgress,
): Promise<void> {
  const next: ChunkStepMessage = {
    runId: message.runId,
    step: progress.step,
    cursor: progress.cursor,
  };
  if (message.end !== undefined) next.end = message.end;
  await runtime.host.send(runtime.plan.taskName, [next], {
    id: stepTaskId(message.runId, progress.step),
    countdown: runtime.plan.pauseMs,
    // The queue the run was started on, which may differ from the task's own.
    queue: ctx.queue,
  });
}
