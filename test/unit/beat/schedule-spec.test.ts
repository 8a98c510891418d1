import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../src/beat/schedule-spec.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `count` fire instants after `from`, as ISO strings. */
function fires(spec: unknown, from: string, count: number): Array<string | undefined> {
  const schedule = parseSchedule('e', spec);
  const out: Array<string | undefined> = [];
  let at: number | undefined = Date.parse(from);
  for (let i = 0; i < count && at !== undefined; i++) {
    at = schedule.next(at);
    out.push(iso(at));
  }
  return out;
}

describe('parseSchedule', () => {
  it('puts interval ticks on multiples of the interval since the epoch', () => {
    expect(fires({ every: '30s' }, '2025-01-01T00:00:10.500Z', 3)).toEqual([
      '2025-01-01T00:00:30.000Z',
      '2025-01-01T00:01:00.000Z',
      '2025-01-01T00:01:30.000Z',
    ]);
    const schedule = parseSchedule('e', { every: 1000 });
    expect(schedule.next(Date.parse('2025-01-01T00:00:01Z'))).toBe(
      Date.parse('2025-01-01T00:00:02Z'),
    );
    expect(schedule.latest(Date.parse('2025-01-01T00:00:02.400Z'), 2).map(iso)).toEqual([
      '2025-01-01T00:00:02.000Z',
      '2025-01-01T00:00:01.000Z',
    ]);
  });

  it('computes cron fire times in the given time zone', () => {
    expect(
      fires({ cron: '0 3 * * *', timezone: 'Europe/Moscow' }, '2025-06-01T12:00:00Z', 2),
    ).toEqual(['2025-06-02T00:00:00.000Z', '2025-06-03T00:00:00.000Z']);
    expect(fires({ cron: '0 3 * * *' }, '2025-06-01T12:00:00Z', 1)).toEqual([
      '2025-06-02T03:00:00.000Z',
    ]);
  });

  it('runs a daily job in the spring-forward gap once, right after the gap (croner, Vixie cron)', () => {
    // Europe/Berlin, 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    expect(
      fires({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, '2025-03-29T00:00:00Z', 3),
    ).toEqual([
      '2025-03-29T01:30:00.000Z', // 02:30 CET
      '2025-03-30T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('runs a daily job in the fall-back overlap once, at the first occurrence', () => {
    // Europe/Berlin, 2025-10-26: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    expect(
      fires({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, '2025-10-25T00:00:00Z', 3),
    ).toEqual([
      '2025-10-25T00:30:00.000Z', // 02:30 CEST
      '2025-10-26T00:30:00.000Z', // 02:30 CEST, first occurrence only
      '2025-10-27T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('runs an hourly job on both occurrences of the repeated hour and skips the missing one', () => {
    expect(
      fires({ cron: '0 * * * *', timezone: 'America/New_York' }, '2025-11-02T04:30:00Z', 3),
    ).toEqual([
      '2025-11-02T05:00:00.000Z', // 01:00 EDT
      '2025-11-02T06:00:00.000Z', // 01:00 EST
      '2025-11-02T07:00:00.000Z', // 02:00 EST
    ]);
    expect(
      fires({ cron: '0 * * * *', timezone: 'America/New_York' }, '2025-03-09T05:30:00Z', 2),
    ).toEqual([
      '2025-03-09T06:00:00.000Z', // 01:00 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT: 02:00 does not exist
    ]);
  });

  it.each([
    [
      { cron: '61 * * * *' },
      `invalid config "beat['e'].cron": "61 * * * *": CronPattern: Invalid value for minute: 61`,
    ],
    [
      { cron: '0 3 * * *', timezone: 'Mars/Olympus' },
      `invalid config "beat['e'].timezone": unknown time zone "Mars/Olympus" (expected an IANA name such as Europe/Berlin)`,
    ],
    [
      { every: 'soon' },
      `invalid config "beat['e'].every": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"`,
    ],
    [{ every: 0 }, `invalid config "beat['e'].every": expected a positive duration, got 0`],
    [
      { every: '1s', cron: '* * * * *' },
      `invalid config "beat['e']": give either cron or every, not both`,
    ],
    [{}, `invalid config "beat['e']": the schedule needs cron or every`],
    [
      { every: '1s', timezone: 'UTC' },
      `invalid config "beat['e'].timezone": a time zone applies only to a cron schedule`,
    ],
  ])('rejects %j', (spec, message) => {
    expect(() => parseSchedule('e', spec)).toThrow(message);
  });
});
