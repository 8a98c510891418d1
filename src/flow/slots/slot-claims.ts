import type { RegisteredTask } from '../../task/registry.ts';
import { parseDuration } from '../../time/duration.ts';

/** One slot a delivery needs before it runs. */
export interface SlotNeed {
  /** What the task asked for, for messages: `lock "user:7"`. */
  label: string;
  /** The key in the store: locks and concurrency keys live in separate namespaces. */
  storeKey: string;
  limit: number;
  ttlMs: number;
}

/**
 * The slots a task's options ask for with these arguments: its lock first, then its
 * concurrency key. `defaultTtlMs` (the worker's lease) applies where no ttl is given. Throws
 * an Error saying which key function failed and how.
 */
export function slotNeedsOf(
  task: RegisteredTask,
  args: readonly unknown[],
  defaultTtlMs: number,
): SlotNeed[] {
  const needs: SlotNeed[] = [];
  const { lock, concurrency } = task.options;
  if (lock) {
    const key = callKey(task.name, 'lock', lock.key, args);
    const ttlMs = lock.ttl === undefined ? defaultTtlMs : parseDuration(lock.ttl);
    needs.push({ label: `lock "${key}"`, storeKey: `lock:${key}`, limit: 1, ttlMs });
  }
  if (concurrency) {
    const key = callKey(task.name, 'concurrency', concurrency.key, args);
    needs.push({
      label: `concurrency key "${key}" (limit ${concurrency.limit})`,
      storeKey: `concurrency:${key}`,
      limit: concurrency.limit,
      ttlMs: defaultTtlMs,
    });
  }
  return needs;
}

function callKey(
  taskName: string,
  option: string,
  keyOf: (...args: unknown[]) => string,
  args: readonly unknown[],
): string {
  const where = `the ${option}.key function of task "${taskName}"`;
  let key: unknown;
  try {
    key = keyOf(...args);
  } catch (error) {
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`${where} threw ${cause}`);
  }
  if (typeof key !== 'string' || key === '') {
    const got = typeof key === 'string' ? 'an empty string' : `${typeof key} ${String(key)}`;
    throw new Error(`${where} returned ${got}; a key must be a non-empty string`);
  }
  return key;
}
