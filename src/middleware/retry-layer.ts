import { coerceError, Retry } from '../errors/errors.ts';
import type { RetryPolicy } from '../task/options.ts';
import { decideRetry } from '../task/retry-policy.ts';
import type { Middleware, Outcome } from './middleware.ts';

/** The outcome of an attempt that threw `thrown`: a retry or a failure, per `policy`. */
export function outcomeOfError(
  policy: RetryPolicy,
  thrown: unknown,
  retries: number,
  task?: string,
): Outcome {
  const error = coerceError(thrown);
  const decision = decideRetry(policy, error, retries, task);
  // A Retry carries the real error as its cause: store and report that one.
  const reported = error instanceof Retry && error.cause instanceof Error ? error.cause : error;
  return decision.retry
    ? { kind: 'retry', delayMs: decision.delayMs, error: reported }
    : { kind: 'failure', error: decision.error ?? reported, reason: decision.reason };
}

/** Turns a thrown error into a retry or a failure, per the task's retry policy. */
export const retryLayer: Middleware = async (execution, next) => {
  try {
    await next();
  } catch (thrown) {
    execution.outcome = outcomeOfError(
      execution.task.options.retry,
      thrown,
      execution.envelope.retries,
      execution.task.name,
    );
  }
};
