import { CeleriacError, Reject, Retry } from '../errors/errors.ts';
import { parseDuration } from '../time/duration.ts';
import type { RetryPolicy } from './options.ts';

/** What happens after an attempt fails. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | {
      retry: false;
      reason: 'rejected' | 'exhausted' | 'not-retryable';
      /** Reported in place of the attempt's error: the retry policy itself failed. */
      error?: Error;
    };

/**
 * Decides whether attempt `retries + 1` is made. `Retry` thrown by the handler always asks
 * for one (within `max`); `Reject` never retries; other errors retry when `autoretryFor` matches.
 * A delay that is not a finite number of ms (a backoff function returning NaN, say) is no retry:
 * the decision's `error` names the task and the option, with the attempt's error as its cause.
 */
export function decideRetry(
  policy: RetryPolicy,
  error: Error,
  retries: number,
  task?: string,
): RetryDecision {
  if (error instanceof Reject) return { retry: false, reason: 'rejected' };
  const asked = error instanceof Retry;
  if (!asked && !matchesAutoretry(policy, error)) return { retry: false, reason: 'not-retryable' };
  if (retries >= policy.max) return { retry: false, reason: 'exhausted' };
  const askedMs = asked ? error.delayMs : undefined;
  const option = askedMs !== undefined ? 'ctx.retry() countdown' : 'retry.backoff';
  let delayMs: unknown = askedMs;
  try {
    delayMs ??= retryDelayMs(policy, retries + 1);
  } catch (thrown) {
    const detail = `threw ${describeThrown(thrown)}`;
    return { retry: false, reason: 'not-retryable', error: badDelay(task, option, detail, error) };
  }
  if (typeof delayMs === 'number' && Number.isFinite(delayMs)) return { retry: true, delayMs };
  const detail = `gave ${String(delayMs)} for retry ${retries + 1}, not a finite number of ms`;
  return { retry: false, reason: 'not-retryable', error: badDelay(task, option, detail, error) };
}

/** The error reported when a retry's delay cannot be had; the attempt's error is its cause. */
function badDelay(
  task: string | undefined,
  option: string,
  detail: string,
  cause: Error,
): CeleriacError {
  const named = task === undefined ? 'this task' : `task "${task}"`;
  // A Retry carries the attempt's real error as its cause: that is the one to name.
  const failed = cause instanceof Retry && cause.cause instanceof Error ? cause.cause : cause;
  const message = `${named}: ${option} ${detail}; not retried (the attempt failed with ${describeThrown(failed)})`;
  return new CeleriacError('RETRY_DELAY_INVALID', message, { cause });
}

function describeThrown(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

/** The delay before retry number `attempt` (1-based), capped and jittered per the policy. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const base = parseDuration(policy.base);
  const cap = parseDuration(policy.maxDelay);
  let delay: number;
  if (typeof policy.backoff === 'function') delay = policy.backoff(attempt);
  else if (policy.backoff === 'fixed') delay = base;
  else delay = base * 2 ** (attempt - 1);
  delay = Math.min(Math.max(0, delay), cap);
  if (policy.jitter) delay = delay / 2 + random() * (delay / 2);
  return Math.round(delay);
}

function matchesAutoretry(policy: RetryPolicy, error: Error): boolean {
  return policy.autoretryFor.some((matcher) => {
    if (matcher.prototype instanceof Error || matcher === Error) {
      return error instanceof (matcher as abstract new (...args: never[]) => Error);
    }
    return (matcher as (e: Error) => boolean)(error);
  });
}
