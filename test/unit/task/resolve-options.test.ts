import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, resolveTaskOptions } from '../../../src/task/resolve-options.ts';

describe('resolveTaskOptions', () => {
  it('fills every default', () => {
    expect(resolveTaskOptions({}, {}, false)).toEqual({
      queue: undefined,
      priority: undefined,
      retry: DEFAULT_RETRY,
      softTimeLimitMs: undefined,
      timeLimitMs: undefined,
      expiresMs: undefined,
      ignoreResult: false,
      acksLate: true,
      trackStarted: false,
      deadLetter: true,
    });
  });

  it('takes the task over the app defaults over the built-in ones, key by key', () => {
    const resolved = resolveTaskOptions(
      { retry: { max: 5 }, timeLimit: '2s', acksLate: false },
      {
        retry: { max: 1, base: 50, jitter: false },
        timeLimit: '10s',
        softTimeLimit: '1s',
        queue: 'q',
      },
      false,
    );
    expect(resolved.retry).toEqual({ ...DEFAULT_RETRY, max: 5, base: 50, jitter: false });
    expect(resolved.timeLimitMs).toBe(2000);
    expect(resolved.softTimeLimitMs).toBe(1000);
    expect(resolved.queue).toBe('q');
    expect(resolved.acksLate).toBe(false);
  });

  it('lets a task store its result when the app ignores results', () => {
    expect(resolveTaskOptions({}, {}, true).ignoreResult).toBe(true);
    expect(resolveTaskOptions({ ignoreResult: false }, {}, true).ignoreResult).toBe(false);
    expect(resolveTaskOptions({}, { ignoreResult: false }, true).ignoreResult).toBe(false);
  });

  it('parses durations to milliseconds', () => {
    const resolved = resolveTaskOptions({ expires: '1m', softTimeLimit: 1500 }, {}, false);
    expect(resolved.expiresMs).toBe(60_000);
    expect(resolved.softTimeLimitMs).toBe(1500);
  });
});
