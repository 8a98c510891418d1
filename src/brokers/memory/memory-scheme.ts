import type { SchemeEntry } from '../../config/scheme-registry.ts';
import type { Broker } from '../contract/index.ts';
import { MemoryBroker } from './memory-broker.ts';

/** `memory://`: a broker inside this process, for tests. */
export const memoryBrokerScheme: SchemeEntry<Broker> = {
  schemes: ['memory'],
  create: () => new MemoryBroker(),
};
