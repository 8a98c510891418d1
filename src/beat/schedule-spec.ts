import { Cron } from 'croner';
import { ConfigError } from '../errors/errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';

/** When an entry fires: a cron expression in a time zone, or a fixed interval. */
export type ScheduleSpec =
  | {
      /** A cron expression of 5 to 7 fields, as croner parses it: `'0 3 * * *'`. */
      cron: string;
      /** An IANA time zone (`'Europe/Moscow'`); default the process's own. */
      timezone?: string;
    }
  | {
      /** A fixed interval; ticks are its multiples since the epoch, so `'1h'` fires on the hour. */
      every: Duration;
    };

/** A parsed schedule: the fire instants (epoch ms) it defines. */
export interface Schedule {
  /** The schedule as it was given. */
  readonly spec: ScheduleSpec;
  /** The first fire instant strictly after `after`, or undefined when there is none. */
  next(after: number): number | undefined;
  /** Up to `count` fire instants at or before `at`, latest first. */
  latest(at: number, count: number): number[];
  /** A short human form: `cron 0 3 * * * (Europe/Moscow)` or `every 30s`. */
  describe(): string;
}

/** Parses and checks a schedule; a ConfigError keyed by the entry name when it is invalid. */
export function parseSchedule(entry: string, spec: unknown): Schedule {
  const key = `beat['${entry}']`;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new ConfigError(key, 'the schedule must be an object with cron or every');
  const { cron, every, timezone } = spec as Record<string, unknown>;
  if (cron !== undefined && every !== undefined)
    throw new ConfigError(key, 'give either cron or every, not both');
  if (cron !== undefined) return cronSchedule(key, cron, timezone);
  if (every !== undefined) {
    if (timezone !== undefined)
      throw new ConfigError(`${key}.timezone`, 'a time zone applies only to a cron schedule');
    return everySchedule(key, every);
  }
  throw new ConfigError(key, 'the schedule needs cron or every');
}

function cronSchedule(key: string, expression: unknown, timezone: unknown): Schedule {
  if (typeof expression !== 'string')
    throw new ConfigError(`${key}.cron`, 'expected a cron expression string');
  if (timezone !== undefined) checkTimeZone(`${key}.timezone`, timezone);
  const tz = timezone as string | undefined;
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true, timezone: tz });
  } catch (error) {
    throw new ConfigError(`${key}.cron`, `"${expression}": ${(error as Error).message}`);
  }
  const spec: ScheduleSpec =
    tz === undefined ? { cron: expression } : { cron: expression, timezone: tz };
  return {
    spec,
    next: (after) => cron.nextRun(new Date(after))?.getTime(),
    // previousRuns excludes its reference instant; one ms later includes it.
    latest: (at, count) => cron.previousRuns(count, new Date(at + 1)).map((d) => d.getTime()),
    describe: () => `cron ${expression}${tz === undefined ? '' : ` (${tz})`}`,
  };
}

function checkTimeZone(key: string, timezone: unknown): void {
  if (typeof timezone !== 'string')
    throw new ConfigError(key, 'expected an IANA time zone name such as Europe/Berlin');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ConfigError(
      key,
      `unknown time zone "${timezone}" (expected an IANA name such as Europe/Berlin)`,
    );
  }
}

/**
 * Interval ticks are multiples of the interval since the epoch, so every scheduler computes the
 * same instants whenever it started.
 */
function everySchedule(key: string, every: unknown): Schedule {
  if (typeof every !== 'string' && typeof every !== 'number')
    throw new ConfigError(
      `${key}.every`,
      `expected a duration such as 30s, got ${JSON.stringify(every)}`,
    );
  let ms: number;
  try {
    ms = parseDuration(every as Duration);
  } catch (error) {
    throw new ConfigError(`${key}.every`, (error as Error).message);
  }
  if (ms < 1)
    throw new ConfigError(
      `${key}.every`,
      `expected a positive duration, got ${JSON.stringify(every)}`,
    );
  return {
    spec: { every: every as Duration },
    next: (after) => (Math.floor(after / ms) + 1) * ms,
    latest: (at, count) => {
      const last = Math.floor(at / ms) * ms;
      return Array.from({ length: count }, (_, i) => last - i * ms).filter((t) => t >= 0);
    },
    describe: () => `every ${typeof every === 'number' ? `${every}ms` : every}`,
  };
}
