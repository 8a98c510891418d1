import type { Bindings } from 'pino';
import type { Envelope } from '../envelope/envelope.ts';
import type { Outcome } from '../middleware/middleware.ts';
import { outcomeOfError } from '../middleware/retry-layer.ts';
import { withTimeLimits } from '../middleware/time-limit-layer.ts';
import { AttemptAbort } from '../task/attempt-abort.ts';
import {
  AttemptScope,
  type ContextOptions,
  type MessageSource,
  readMessageFields,
} from '../task/attempt-context.ts';
import type { TaskContext } from '../task/context.ts';
import type { BatchContext, BatchItem } from './batch-handler.ts';
import { readBatchReport } from './batch-report.ts';
import type { RegisteredBatchTask } from './batch-spec.ts';

/** How one attempt of a batch is run. */
export interface BatchAttemptOptions extends ContextOptions {
  /** Aborts the batch's signal too (worker shutdown). */
  signal?: AbortSignal;
}

/** A batch context's own fields: all of it but the signal and the logger. */
type BatchContextFields = Omit<BatchContext, 'signal' | 'log'>;

/** The context of one batch attempt: its logger is bound to the task name and the batch size. */
class BatchAttempt extends AttemptScope implements BatchContextFields {
  readonly name: string;
  readonly size: number;
  readonly eager: boolean;

  constructor(abort: AttemptAbort, log: ContextOptions['log'], fields: BatchContextFields) {
    super(abort, log);
    this.name = fields.name;
    this.size = fields.size;
    this.eager = fields.eager;
  }

  protected override logBindings(): Bindings {
    return { task: this.name, batchSize: this.size };
  }
}

/** The handler's view of a message: its fields (off its envelope or its context), its arguments. */
export function toBatchItem(message: MessageSource, args: unknown[]): BatchItem {
  return { ...readMessageFields(message), args };
}

/**
 * The batch of one that a single task's attempt runs (eager mode, a direct call, a message that
 * reaches a worker without batching): its signal and logger are the attempt's own.
 */
export function batchOfOne(
  name: string,
  ctx: TaskContext,
  args: unknown[],
): { ctx: BatchContext; item: BatchItem } {
  const batchCtx: BatchContext = {
    name,
    size: 1,
    eager: ctx.eager,
    get signal() {
      return ctx.signal;
    },
    get log() {
      return ctx.log;
    },
  };
  return { ctx: batchCtx, item: toBatchItem(ctx, args) };
}

/**
 * Runs the batch handler once on these envelopes, under the task's time limits, and returns
 * each item's outcome in item order: all retried or failed per the retry policy when the
 * handler throws (or returns a report it cannot trust), else success or the item's own failure.
 */
export async function attemptBatch(
  task: RegisteredBatchTask,
  envelopes: Envelope[],
  options: BatchAttemptOptions,
): Promise<Outcome[]> {
  const policy = task.options.retry;
  const items = envelopes.map((envelope) => toBatchItem(envelope, envelope.args));
  const abort = new AttemptAbort(options.signal);
  const fields: BatchContextFields = {
    name: task.name,
    size: items.length,
    eager: options.eager,
  };
  const ctx: BatchContext = new BatchAttempt(abort, options.log, fields);
  try {
    let value: unknown;
    await withTimeLimits(task.options, abort, async () => {
      value = await task.batch.handler(ctx, items);
    });
    const report = readBatchReport(
      task.name,
      value,
      items.map((item) => item.id),
    );
    return items.map((item, i): Outcome => {
      const failure = report.failures.get(item.id);
      if (failure) return outcomeOfError(policy, failure, item.retries, task.name);
      return { kind: 'success', value: report.results[i] };
    });
  } catch (thrown) {
    return items.map((item) => outcomeOfError(policy, thrown, item.retries, task.name));
  } finally {
    abort.dispose();
  }
}
