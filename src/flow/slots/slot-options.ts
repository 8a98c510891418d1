import type { Coordination } from '../../brokers/contract/index.ts';
import { ConfigError } from '../../errors/errors.ts';
import type { ResolvedTaskOptions, TaskOptions } from '../../task/options.ts';
import { parseDuration } from '../../time/duration.ts';

/** The shortest lock ttl: holds are renewed every third of it, so shorter ones lapse between renewals. */
const MIN_TTL_MS = 1000;

/** Checks `lock` and `concurrency` of one task's options; throws ConfigError naming the key. */
export function validateSlotOptions(options: TaskOptions, where: string): void {
  for (const name of ['lock', 'concurrency'] as const) {
    if (options[name] === undefined) continue;
    // A key function only means something for one task's arguments.
    if (where === 'taskDefaults') {
      throw new ConfigError(`${where}.${name}`, 'is set on each task, not in taskDefaults');
    }
  }
  if (options.lock !== undefined) checkLock(options.lock, `${where}.lock`);
  if (options.concurrency !== undefined)
    checkConcurrency(options.concurrency, `${where}.concurrency`);
}

function checkLock(lock: unknown, where: string): void {
  const fields = checkObject(lock, where, ['key', 'ttl'], '{ key: (...args) => string, ttl? }');
  checkKeyFunction(fields.key, `${where}.key`);
  if (fields.ttl === undefined) return;
  let ttlMs: number;
  try {
    ttlMs = parseDuration(fields.ttl as never);
  } catch (error) {
    throw new ConfigError(`${where}.ttl`, (error as Error).message);
  }
  if (ttlMs < MIN_TTL_MS) {
    throw new ConfigError(
      `${where}.ttl`,
      'must be at least 1s, or the lock lapses between renewals',
    );
  }
}

function checkConcurrency(concurrency: unknown, where: string): void {
  const shape = '{ key: (...args) => string, limit: <positive integer> }';
  const fields = checkObject(concurrency, where, ['key', 'limit'], shape);
  checkKeyFunction(fields.key, `${where}.key`);
  if (!Number.isInteger(fields.limit) || (fields.limit as number) < 1) {
    throw new ConfigError(
      `${where}.limit`,
      `expected a positive integer, got ${JSON.stringify(fields.limit)}`,
    );
  }
}

function checkObject(
  value: unknown,
  where: string,
  known: string[],
  shape: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(where, `expected ${shape}, got ${JSON.stringify(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${where}.${key}`, `unknown key (known: ${known.join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

function checkKeyFunction(key: unknown, where: string): void {
  if (typeof key === 'function') return;
  const got = typeof key === 'string' ? `the string ${JSON.stringify(key)}` : String(key);
  throw new ConfigError(
    where,
    `expected a function of the task's arguments that returns the key, got ${got}`,
  );
}

/** Fails registration when a task wants locks or per-key concurrency the broker cannot keep. */
export function assertSlotSupport(
  name: string,
  options: ResolvedTaskOptions,
  coordination: Coordination,
  label: string,
): void {
  if (coordination.slots) return;
  const option = options.lock ? 'lock' : options.concurrency ? 'concurrency' : undefined;
  if (!option) return;
  throw new ConfigError(
    `tasks['${name}'].${option}`,
    `${label} cannot keep locks or per-key concurrency (it has no SlotStore); use the memory, SQLite or Redis broker, or set \`coordination\` to one of them`,
  );
}
