import type { SchemeEntry } from '../../config/scheme-registry.ts';
import type { ResultBackend } from '../backend.ts';
import { MemoryBackend } from './memory-backend.ts';

/** `memory://`: results kept in this process, for tests. */
export const memoryBackendScheme: SchemeEntry<ResultBackend> = {
  schemes: ['memory'],
  create: () => new MemoryBackend(),
};
