import { Reject, Retry } from '../errors/errors.ts';
import { parseDuration } from '../time/duration.ts';
import type { RetryPolicy } from './options.ts';

/** What happens after an attempt fails. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'rejected' | 'exhausted' | 'not-retryable' };

/**
 * Decides whether attempt `retries + 1` is made. `Retry` thrown by the handler always asks
 * for one (within `max`); `Reject` never retries; other errors retry when `autoretryFor` matches.
 */
export function decideRetry(policy: RetryPolicy, error: Error, retries: number): RetryDecision {
  if (error instanceof Reject) return { retry: false, reason: 'rejected' };
  const asked = error instanceof Retry;
  if (!asked && !matchesAutoretry(policy, error)) return { retry: false, reason: 'not-retryable' };
  if (retries >= policy.max) return { retry: false, reason: 'exhausted' };
  const delayMs =
    asked && error.delayMs !== undefined ? error.delayMs : retryDelayMs(policy, retries + 1);
  return { retry: true, delayMs };
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
