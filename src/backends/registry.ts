import { type SchemeEntry, SchemeRegistry } from '../config/scheme-registry.ts';
import type { ResultBackend } from './backend.ts';
import { memoryBackendScheme } from './memory/memory-scheme.ts';
import { redisBackendScheme } from './redis/redis-scheme.ts';
import { sqliteBackendScheme } from './sqlite/sqlite-scheme.ts';

const backends = new SchemeRegistry<ResultBackend>('backend', 'result backend', [
  sqliteBackendScheme,
  redisBackendScheme,
  memoryBackendScheme,
]);

/** Builds the result backend a URL names (`sqlite://`, `redis://`, `memory://`); opens nothing. */
export function backendFromUrl(url: string): ResultBackend {
  return backends.create(url);
}

/** Makes `createApp({ backend: 'scheme://…' })` build your backend for the entry's schemes. */
export function registerBackend(entry: SchemeEntry<ResultBackend>): void {
  backends.register(entry);
}
