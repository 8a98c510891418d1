import { MemoryBroker } from '../../src/index.ts';
import { beatStoreConformance } from '../../src/testing/index.ts';

beatStoreConformance('memory', () => new MemoryBroker().beat);
