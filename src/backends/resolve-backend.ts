import { ConfigError } from '../errors/errors.ts';
import type { ResultBackend } from './backend.ts';
import { MemoryBackend } from './memory/memory-backend.ts';
import { RedisBackend } from './redis/redis-backend.ts';
import { SqliteBackend } from './sqlite/sqlite-backend.ts';

const SUPPORTED = '(supported: sqlite://, memory://, redis://, rediss://)';

/**
 * Builds a result backend from a URL: `memory://`, `sqlite://relative/path.db`,
 * `sqlite:///absolute/path.db`, or `redis://[user:password@]host:port/db[?prefix=name]`
 * (`rediss://` for TLS).
 */
export function backendFromUrl(url: string): ResultBackend {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new ConfigError('backend', `result backend URL "${url}" has no scheme ${SUPPORTED}`);
  }
  if (scheme === 'memory') return new MemoryBackend();
  if (scheme === 'sqlite') return new SqliteBackend({ path: sqlitePath(url) });
  if (scheme === 'redis' || scheme === 'rediss') return new RedisBackend({ url });
  throw new ConfigError(
    'backend',
    `unsupported result backend URL scheme "${scheme}:" ${SUPPORTED}`,
  );
}

/** The file path of a sqlite URL: whatever follows `sqlite://`, so a third slash makes it absolute. */
function sqlitePath(url: string): string {
  const prefix = /^sqlite:\/\//i.exec(url);
  const path = prefix ? url.slice(prefix[0].length) : '';
  if (path === '') {
    throw new ConfigError(
      'backend',
      `result backend URL "${url}" needs a file path, e.g. sqlite://celeriac.db or sqlite:///var/lib/celeriac.db`,
    );
  }
  return path;
}
