import { ConfigError } from '../../errors/errors.ts';
import type { TaskOptions } from '../../task/options.ts';
import { type Duration, parseDuration } from '../../time/duration.ts';

/** When a claim ends: at the task's start, or when it ends for good. */
export type UniqueWhile = 'queued' | 'queued-or-running';

/** The default of `unique.while`: the task holds its key until it ends, as a lock would. */
export const DEFAULT_UNIQUE_WHILE: UniqueWhile = 'queued-or-running';

const UNIQUE_KEYS = new Set(['key', 'ttl', 'while']);
const WHILE_VALUES: readonly UniqueWhile[] = ['queued', 'queued-or-running'];

/** A task's `unique` option, checked, with its ttl in ms and `while` filled in. */
export interface UniqueSpec {
  key: (...args: unknown[]) => string;
  ttlMs: number;
  while: UniqueWhile;
}

/** Checks a task's `unique` option; throws ConfigError naming `<where>.unique…`. */
export function validateUniqueOption(value: unknown, where: string): void {
  if (value === undefined) return;
  const at = `${where}.unique`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(at, `expected { key, ttl, while? }, got ${describe(value)}`);
  }
  const option = value as Record<string, unknown>;
  for (const name of Object.keys(option)) {
    if (!UNIQUE_KEYS.has(name)) {
      throw new ConfigError(`${at}.${name}`, 'unknown key (known: key, ttl, while)');
    }
  }
  if (typeof option.key !== 'function') {
    throw new ConfigError(
      `${at}.key`,
      `expected a function of the task's arguments returning a string, got ${describe(option.key)}`,
    );
  }
  checkTtl(option.ttl, `${at}.ttl`);
  if (option.while !== undefined && !WHILE_VALUES.includes(option.while as UniqueWhile)) {
    throw new ConfigError(
      `${at}.while`,
      `expected "queued" or "queued-or-running", got ${describe(option.while)}`,
    );
  }
}

/** The checked `unique` option of a task in the form the sender and the worker use. */
export function uniqueSpecOf(option: TaskOptions<unknown[]>['unique']): UniqueSpec | undefined {
  if (option === undefined) return undefined;
  return {
    key: option.key,
    ttlMs: parseDuration(option.ttl),
    while: option.while ?? DEFAULT_UNIQUE_WHILE,
  };
}

function checkTtl(ttl: unknown, at: string): void {
  if (ttl === undefined) {
    throw new ConfigError(
      at,
      'required: how long a claim may live (such as "1h"), so a lost task cannot hold its key forever',
    );
  }
  let ms: number;
  try {
    ms = parseDuration(ttl as Duration);
  } catch (error) {
    throw new ConfigError(at, (error as Error).message);
  }
  if (ms <= 0) throw new ConfigError(at, `must be longer than 0, got ${describe(ttl)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}
