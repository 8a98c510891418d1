import { coerceError, Retry } from '../errors/errors.ts';
import { decideRetry } from '../task/retry-policy.ts';
import type { Middleware } from './middleware.ts';

/** Turns a thrown error into a retry or a failure, per the task's retry policy. */
export const retryLayer: Middleware = async (execution, next) => {
  try {
    await next();
  } catch (thrown) {
    const error = coerceError(thrown);
    const decision = decideRetry(execution.task.options.retry, error, execution.envelope.retries);
    // A Retry carries the real error as its cause: store and report that one.
    const reported = error instanceof Retry && error.cause instanceof Error ? error.cause : error;
    execution.outcome = decision.retry
      ? { kind: 'retry', delayMs: decision.delayMs, error: reported }
      : { kind: 'failure', error: reported, reason: decision.reason };
  }
};
