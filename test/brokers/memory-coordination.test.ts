import { coordinationConformance } from '../../src/testing/index.ts';
import { memoryPair } from '../support/store-pairs.ts';

coordinationConformance('memory', memoryPair().peers);
