import { MemoryBroker } from '../../src/brokers/memory/memory-broker.ts';
import { brokerConformance } from '../../src/testing/index.ts';

brokerConformance('memory', () => new MemoryBroker());
