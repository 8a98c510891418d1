import type { Coordination } from '../../brokers/contract/index.ts';
import type { RateLimit } from '../../brokers/contract/rate-store.ts';
import { ConfigError } from '../../errors/errors.ts';
import type { RateLimitOption } from '../../task/options.ts';
import { parseDuration } from '../../time/duration.ts';
import { parseRate } from './parse-rate.ts';

/** How far ahead starts are booked unless a task says otherwise. */
export const DEFAULT_HORIZON_MS = 60_000;

const OBJECT_KEYS = new Set(['rate', 'key', 'burst', 'horizon']);

/** A task's `rateLimit` option, checked and parsed. */
export interface RateSpec {
  limit: RateLimit;
  /** One limit per key when set: called with the task's arguments. */
  key: ((...args: unknown[]) => unknown) | undefined;
  /** Starts further ahead than this are not booked (the message asks again then). */
  horizonMs: number;
}

/** Parses a `rateLimit` option; throws a ConfigError naming `where` (`tasks['x'].rateLimit`). */
export function parseRateOption(option: RateLimitOption<unknown[]>, where: string): RateSpec {
  if (typeof option !== 'object' || option === null) {
    return { limit: rateAt(option, where), key: undefined, horizonMs: DEFAULT_HORIZON_MS };
  }
  for (const name of Object.keys(option)) {
    if (!OBJECT_KEYS.has(name)) {
      throw new ConfigError(
        `${where}.${name}`,
        `unknown key (known: ${[...OBJECT_KEYS].join(', ')})`,
      );
    }
  }
  const { key, burst, horizon } = option as Record<string, unknown>;
  if (key !== undefined && typeof key !== 'function') {
    throw new ConfigError(
      `${where}.key`,
      `expected a function of the task's arguments that returns a string, got ${describe(key)}`,
    );
  }
  const limit = rateAt(option.rate, `${where}.rate`);
  if (burst !== undefined) {
    if (!Number.isInteger(burst) || (burst as number) < 1) {
      throw new ConfigError(
        `${where}.burst`,
        `expected a positive integer, got ${describe(burst)}`,
      );
    }
    limit.burst = burst as number;
  }
  return {
    limit,
    key: key as RateSpec['key'],
    horizonMs: horizon === undefined ? DEFAULT_HORIZON_MS : horizonAt(horizon, `${where}.horizon`),
  };
}

/** Checks a `rateLimit` option when one is given (task options and `taskDefaults`). */
export function checkRateLimitOption(option: unknown, where: string): void {
  if (option !== undefined) parseRateOption(option as RateLimitOption<unknown[]>, where);
}

/** Fails registration of a rate-limited task when the coordination keeps no rate limits. */
export function checkRateStore(
  option: unknown,
  coordination: Coordination,
  label: string,
  task: string,
): void {
  if (option !== undefined && !coordination.rates) {
    throw new ConfigError(
      `tasks['${task}'].rateLimit`,
      `${label} keeps no rate limits (it has no RateStore); use the memory, SQLite or Redis broker, or set \`coordination\` to one of them`,
    );
  }
}

function rateAt(text: unknown, where: string): RateLimit {
  try {
    return parseRate(text);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
}

function horizonAt(value: unknown, where: string): number {
  let ms: number;
  try {
    ms = parseDuration(value as string | number);
  } catch (error) {
    throw new ConfigError(where, (error as Error).message);
  }
  if (ms < 1000) throw new ConfigError(where, `must be at least 1s, got ${describe(value)}`);
  return ms;
}

function describe(value: unknown): string {
  return typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
}
