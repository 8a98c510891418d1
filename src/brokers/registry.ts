import { type SchemeEntry, SchemeRegistry } from '../config/scheme-registry.ts';
import type { Broker } from './contract/index.ts';
import { memoryBrokerScheme } from './memory/memory-scheme.ts';
import { redisBrokerScheme } from './redis/redis-scheme.ts';
import { sqliteBrokerScheme } from './sqlite/sqlite-scheme.ts';

/** The broker used when none is configured: a SQLite file under the working directory. */
export const DEFAULT_BROKER_URL = 'sqlite://.celeriac/broker.db';

const brokers = new SchemeRegistry<Broker>('broker', 'broker', [
  sqliteBrokerScheme,
  redisBrokerScheme,
  memoryBrokerScheme,
]);

/** Builds the broker a URL names (`sqlite://`, `redis://`, …); nothing opens until first use. */
export function brokerFromUrl(url: string): Broker {
  return brokers.create(url);
}

/**
 * Builds the broker whose coordination stores a `coordination` URL names; the same schemes as
 * brokers, named as the coordination's in errors.
 */
export function coordinationFromUrl(url: string): Broker {
  return brokers.create(url, 'coordination', 'coordination');
}

/** Makes `createApp({ broker: 'scheme://…' })` build your broker for the entry's schemes. */
export function registerBroker(entry: SchemeEntry<Broker>): void {
  brokers.register(entry);
}
