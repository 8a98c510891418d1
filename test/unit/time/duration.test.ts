import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/time/duration.ts';
import { sleep } from '../../../src/time/sleep.ts';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    [1.5, 1.5],
    ['0', 0],
    ['10', 10],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [' 10 s ', 10_000],
    ['0.0015s', 2],
  ])('parses %j as %d ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each(['', 'abc', '5w', '-1s', '1e3', '1,5s', 's', '10 seconds', '1h30m', '.5s'])(
    'rejects %j, quoting it',
    (value) => {
      expect(() => parseDuration(value)).toThrow(RangeError);
      expect(() => parseDuration(value)).toThrow(
        `expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "${value}"`,
      );
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %s', (value) => {
    expect(() => parseDuration(value)).toThrow(
      `expected a non-negative number of milliseconds, got ${value}`,
    );
  });
});

describe('sleep', () => {
  it('resolves at once for 0 ms or an aborted signal', async () => {
    await sleep(0);
    await sleep(60_000, AbortSignal.abort());
  });

  it('resolves early, without rejecting, when the signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(slept).resolves.toBeUndefined();
  });
});
