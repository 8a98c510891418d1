import { describe, expect, it } from 'vitest';
import { Reject, Retry } from '../../../src/index.ts';
import type { RetryPolicy } from '../../../src/task/options.ts';
import { DEFAULT_RETRY } from '../../../src/task/resolve-options.ts';
import { decideRetry, retryDelayMs } from '../../../src/task/retry-policy.ts';

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, jitter: false, ...overrides };
}

class TransientError extends Error {}
class SubTransientError extends TransientError {}

describe('retryDelayMs', () => {
  it('doubles from the base, exponentially', () => {
    const p = policy({ base: 1000, maxDelay: '10m' });
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(p, attempt))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
  });

  it('caps every delay at maxDelay', () => {
    const p = policy({ base: '1s', maxDelay: '5s' });
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(p, attempt))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('keeps a fixed delay fixed', () => {
    const p = policy({ backoff: 'fixed', base: '250ms' });
    expect([1, 2, 5].map((attempt) => retryDelayMs(p, attempt))).toEqual([250, 250, 250]);
  });

  it('calls a custom function with the 1-based attempt, then caps and clamps it', () => {
    const seen: number[] = [];
    const p = policy({
      backoff: (attempt) => {
        seen.push(attempt);
        return [-50, 300, 90_000][attempt - 1] ?? 0;
      },
      maxDelay: '1m',
    });
    expect([1, 2, 3].map((attempt) => retryDelayMs(p, attempt))).toEqual([0, 300, 60_000]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('spreads a jittered delay over [delay/2, delay]', () => {
    const p = policy({ base: 1000, jitter: true });
    expect(retryDelayMs(p, 3, () => 0)).toBe(2000);
    expect(retryDelayMs(p, 3, () => 0.5)).toBe(3000);
    expect(retryDelayMs(p, 3, () => 0.999_999)).toBe(4000);
    for (let i = 0; i <= 10; i++) {
      const d = retryDelayMs(p, 2, () => i / 10);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it('jitters after capping', () => {
    const p = policy({ base: 1000, maxDelay: 1500, jitter: true });
    expect(retryDelayMs(p, 5, () => 0)).toBe(750);
    expect(retryDelayMs(p, 5, () => 1)).toBe(1500);
  });

  it('defaults to exponential from 1s with jitter, three retries, every Error', () => {
    expect(DEFAULT_RETRY).toMatchObject({
      max: 3,
      backoff: 'exponential',
      base: '1s',
      maxDelay: '10m',
      jitter: true,
      autoretryFor: [Error],
    });
  });
});

describe('decideRetry', () => {
  it('retries any Error by default, with the delay of the next attempt', () => {
    const p = policy({ base: 100 });
    expect(decideRetry(p, new Error('boom'), 0)).toEqual({ retry: true, delayMs: 100 });
    expect(decideRetry(p, new Error('boom'), 1)).toEqual({ retry: true, delayMs: 200 });
    expect(decideRetry(p, new Error('boom'), 2)).toEqual({ retry: true, delayMs: 400 });
  });

  it('is exhausted after max retries', () => {
    const p = policy({ max: 3 });
    expect(decideRetry(p, new Error('boom'), 3)).toEqual({ retry: false, reason: 'exhausted' });
    expect(decideRetry(policy({ max: 0 }), new Error('boom'), 0)).toEqual({
      retry: false,
      reason: 'exhausted',
    });
  });

  it('never retries Reject, even with retries left', () => {
    expect(decideRetry(policy({ max: 10 }), new Reject('bad input'), 0)).toEqual({
      retry: false,
      reason: 'rejected',
    });
    // Not even when autoretryFor would match it.
    const p = policy({ autoretryFor: [() => true] });
    expect(decideRetry(p, new Reject('bad input'), 0)).toMatchObject({ reason: 'rejected' });
  });

  it('honours the delay of a Retry', () => {
    expect(decideRetry(policy({ base: 100 }), new Retry({ delayMs: 1234 }), 1)).toEqual({
      retry: true,
      delayMs: 1234,
    });
    expect(decideRetry(policy({ base: 100 }), new Retry({ delayMs: 0 }), 0)).toEqual({
      retry: true,
      delayMs: 0,
    });
  });

  it('uses the backoff for a Retry without a delay', () => {
    expect(decideRetry(policy({ base: 100 }), new Retry(), 1)).toEqual({
      retry: true,
      delayMs: 200,
    });
  });

  it('refuses a ctx.retry() countdown that is not a finite number of ms, naming the task', () => {
    const asked = new Retry({ delayMs: Number.NaN, cause: new Error('busy') });
    const decision = decideRetry(policy({ max: 3 }), asked, 0, 'reports.build');
    expect(decision).toMatchObject({ retry: false, reason: 'not-retryable' });
    expect(decision.retry === false && decision.error?.message).toBe(
      'task "reports.build": ctx.retry() countdown gave NaN for retry 1, not a finite number of ' +
        'ms; not retried (the attempt failed with Error: busy)',
    );
  });

  it('retries a Retry even when autoretryFor does not match, but not beyond max', () => {
    const p = policy({ max: 2, autoretryFor: [TypeError] });
    expect(decideRetry(p, new Retry({ delayMs: 5 }), 1)).toEqual({ retry: true, delayMs: 5 });
    expect(decideRetry(p, new Retry({ delayMs: 5 }), 2)).toEqual({
      retry: false,
      reason: 'exhausted',
    });
  });

  it('matches autoretryFor classes by instanceof, subclasses included', () => {
    const p = policy({ autoretryFor: [TransientError] });
    expect(decideRetry(p, new TransientError('x'), 0).retry).toBe(true);
    expect(decideRetry(p, new SubTransientError('x'), 0).retry).toBe(true);
    expect(decideRetry(p, new Error('x'), 0)).toEqual({ retry: false, reason: 'not-retryable' });
    expect(decideRetry(p, new TypeError('x'), 0)).toEqual({
      retry: false,
      reason: 'not-retryable',
    });
  });

  it('calls autoretryFor predicates, arrow and plain functions alike', () => {
    const arrow = policy({ autoretryFor: [(e) => e.message.includes('timeout')] });
    expect(decideRetry(arrow, new Error('read timeout'), 0).retry).toBe(true);
    expect(decideRetry(arrow, new Error('bad request'), 0)).toMatchObject({
      reason: 'not-retryable',
    });
    const plain = policy({
      autoretryFor: [
        function isTimeout(e: Error) {
          return e.message === 'timeout';
        },
      ],
    });
    expect(decideRetry(plain, new Error('timeout'), 0).retry).toBe(true);
    expect(decideRetry(plain, new Error('other'), 0).retry).toBe(false);
  });

  it('retries when any matcher of several matches', () => {
    const p = policy({ autoretryFor: [TypeError, (e) => e.message === 'flaky'] });
    expect(decideRetry(p, new TypeError('t'), 0).retry).toBe(true);
    expect(decideRetry(p, new Error('flaky'), 0).retry).toBe(true);
    expect(decideRetry(p, new RangeError('r'), 0).retry).toBe(false);
  });

  it('retries nothing automatically with an empty autoretryFor', () => {
    expect(decideRetry(policy({ autoretryFor: [] }), new Error('x'), 0)).toEqual({
      retry: false,
      reason: 'not-retryable',
    });
  });

  it('checks retryability before exhaustion', () => {
    const p = policy({ max: 1, autoretryFor: [TypeError] });
    expect(decideRetry(p, new Error('x'), 5)).toEqual({ retry: false, reason: 'not-retryable' });
  });
});
