import type { Broker } from '../../brokers/broker.ts';
import { ConfigError } from '../../errors/errors.ts';
import type { UniqueStore } from './unique-store.ts';

/** The broker's unique claims; a ConfigError naming the task and the broker when it keeps none. */
export function requireUniqueStore(
  broker: Broker,
  brokerLabel: string,
  taskName: string,
): UniqueStore {
  if (broker.uniques) return broker.uniques;
  throw new ConfigError(
    `tasks['${taskName}'].unique`,
    `the broker ${brokerLabel} keeps no unique claims (it has no UniqueStore); the memory, SQLite and Redis brokers do`,
  );
}
