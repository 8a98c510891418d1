import type { SchemeEntry } from '../../config/scheme-registry.ts';
import type { ResultBackend } from '../backend.ts';
import { RedisBackend } from './redis-backend.ts';

/** `redis://[user:password@]host:port/db[?prefix=name]`, `rediss://` for TLS. */
export const redisBackendScheme: SchemeEntry<ResultBackend> = {
  schemes: ['redis', 'rediss'],
  create: (url) => new RedisBackend({ url }),
};
