import { describe, expect, it } from 'vitest';
import { holdsBooking, withBooking } from '../../../../src/flow/rate/booking-header.ts';
import { formatRate, parseRate } from '../../../../src/flow/rate/parse-rate.ts';
import { createApp, type Envelope, MemoryBroker } from '../../../../src/index.ts';

const EXPECTED =
  'expected a rate such as "70/s", "100/m" or "0.5/s" (a count above zero per s, m or h)';

function register(rateLimit: unknown): void {
  const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' }, {});
  app.task('x', { rateLimit: rateLimit as never }, async () => undefined);
}

describe('rate parsing', () => {
  it('reads counts per second, minute and hour, fractions included', () => {
    expect(parseRate('70/s')).toEqual({ count: 70, perMs: 1000 });
    expect(parseRate('100/m')).toEqual({ count: 100, perMs: 60_000 });
    expect(parseRate('1000/h')).toEqual({ count: 1000, perMs: 3_600_000 });
    expect(parseRate('0.5/s')).toEqual({ count: 0.5, perMs: 1000 });
    expect(formatRate({ count: 10, perMs: 60_000, burst: 5 })).toBe('10/m (burst 5)');
  });

  it.each(['fast', '0/s', '10/fortnight', '-1/s', '', '70 / s', '1e3/s'])(
    'rejects %j at registration, naming the task and the key',
    (rate) => {
      expect(() => register(rate)).toThrow(
        `invalid config "tasks['x'].rateLimit": ${EXPECTED}, got ${JSON.stringify(rate)}`,
      );
    },
  );

  it('rejects a bad rate in taskDefaults', () => {
    expect(() => createApp({ taskDefaults: { rateLimit: '0/s' } }, {})).toThrow(
      `invalid config "taskDefaults.rateLimit": ${EXPECTED}, got "0/s"`,
    );
  });

  it('rejects a key that is not a function, and an object without a rate', () => {
    expect(() => register({ key: 'account', rate: '5/s' })).toThrow(
      `invalid config "tasks['x'].rateLimit.key": expected a function of the task's arguments that returns a string, got "account"`,
    );
    expect(() => register({ key: (a: string) => a })).toThrow(
      `invalid config "tasks['x'].rateLimit.rate": ${EXPECTED}, got undefined`,
    );
  });

  it('checks burst, horizon and unknown keys of the object form', () => {
    expect(() => register({ rate: '5/s', burst: 0 })).toThrow(
      `invalid config "tasks['x'].rateLimit.burst": expected a positive integer, got 0`,
    );
    expect(() => register({ rate: '5/s', horizon: '10ms' })).toThrow(
      `invalid config "tasks['x'].rateLimit.horizon": must be at least 1s, got "10ms"`,
    );
    expect(() => register({ rate: '5/s', per: 'key' })).toThrow(
      `invalid config "tasks['x'].rateLimit.per": unknown key (known: rate, key, burst, horizon)`,
    );
  });

  it('accepts the valid forms', () => {
    expect(() => register('70/s')).not.toThrow();
    expect(() =>
      register({ rate: '5/s', key: (id: string) => id, burst: 3, horizon: '2m' }),
    ).not.toThrow();
  });
});

describe('booking header', () => {
  const envelope = (retries = 0): Envelope => ({
    v: 1,
    id: 't1',
    task: 'x',
    args: [],
    queue: 'default',
    retries,
    rootId: 't1',
    headers: { trace: 'keep-me' },
  });

  it('holds for the attempt it was booked for, keeping the other headers', () => {
    const booked = withBooking(envelope(), 5000);
    expect(booked.headers?.trace).toBe('keep-me');
    expect(holdsBooking(booked)).toBe(true);
    expect(holdsBooking(envelope())).toBe(false);
  });

  it('does not hold for a retry of the booked attempt, nor for a malformed booking', () => {
    const booked = withBooking(envelope(), 5000);
    expect(holdsBooking({ ...booked, retries: 1 })).toBe(false);
    for (const bad of [null, 5000, 'soon', { at: '5000', retries: 0 }, { retries: 0 }]) {
      expect(holdsBooking({ ...envelope(), headers: { 'celeriac.rate.booking': bad } })).toBe(
        false,
      );
    }
  });
});
