import type { Logger } from 'pino';
import type { Envelope } from '../envelope/envelope.ts';
import type { Outcome } from '../middleware/middleware.ts';
import { outcomeOfError } from '../middleware/retry-layer.ts';
import { withTimeLimits } from '../middleware/time-limit-layer.ts';
import { AttemptAbort } from '../task/attempt-abort.ts';
import type { BatchContext, BatchItem } from './batch-handler.ts';
import { readBatchReport } from './batch-report.ts';
import type { RegisteredBatchTask } from './batch-spec.ts';

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/** How one attempt of a batch is run. */
export interface BatchAttemptOptions {
  eager: boolean;
  log: Logger;
  /** Aborts the batch's signal too (worker shutdown). */
  signal?: AbortSignal;
}

/** The context of one batch attempt. */
class BatchAttemptContext implements BatchContext {
  readonly name: string;
  readonly size: number;
  readonly eager: boolean;
  readonly #abort: AttemptAbort;
  readonly #parentLog: Logger;
  #log: Logger | undefined;

  constructor(name: string, size: number, abort: AttemptAbort, options: BatchAttemptOptions) {
    this.name = name;
    this.size = size;
    this.eager = options.eager;
    this.#abort = abort;
    this.#parentLog = options.log;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get log(): Logger {
    this.#log ??= this.#parentLog.child({ task: this.name, batchSize: this.size });
    return this.#log;
  }
}

/** The handler's view of a message. */
export function toBatchItem(envelope: Envelope): BatchItem {
  return {
    id: envelope.id,
    args: envelope.args,
    retries: envelope.retries,
    kwargs: envelope.kwargs ?? NO_FIELDS,
    headers: envelope.headers ?? NO_FIELDS,
  };
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
  const items = envelopes.map(toBatchItem);
  const abort = new AttemptAbort(options.signal);
  const ctx = new BatchAttemptContext(task.name, items.length, abort, options);
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
