import type { SchemeEntry } from '../../config/scheme-registry.ts';
import type { Broker } from '../contract/index.ts';
import { RedisBroker } from './redis-broker.ts';

/** `redis://`, `rediss://` (TLS) and their `+cluster` forms. */
export const redisBrokerScheme: SchemeEntry<Broker> = {
  schemes: ['redis', 'rediss', 'redis+cluster', 'rediss+cluster'],
  create: (url) => new RedisBroker({ url }),
};
