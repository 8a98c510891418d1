import { MemoryBroker } from '../../src/index.ts';
import { slotStoreConformance } from '../../src/testing/index.ts';

const broker = new MemoryBroker();

slotStoreConformance('memory', () => broker.slots);
