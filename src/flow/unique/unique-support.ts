import type { Coordination } from '../../brokers/contract/index.ts';
import type { UniqueStore } from '../../brokers/contract/unique-store.ts';
import { ConfigError } from '../../errors/errors.ts';

/** The unique claims; a ConfigError naming the task and the store when there are none. */
export function requireUniqueStore(
  coordination: Coordination,
  label: string,
  taskName: string,
): UniqueStore {
  if (coordination.uniques) return coordination.uniques;
  throw new ConfigError(
    `tasks['${taskName}'].unique`,
    `${label} keeps no unique claims (it has no UniqueStore); use the memory, SQLite or Redis broker: a claim is taken with its message's enqueue, in the broker itself`,
  );
}
