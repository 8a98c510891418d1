import { ConfigError } from '../errors/errors.ts';
import { redactUrl } from '../logging/redact-url.ts';
import type { Broker } from './broker.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { RedisBroker } from './redis/redis-broker.ts';
import { SqliteBroker } from './sqlite/sqlite-broker.ts';

const REDIS_SCHEMES = new Set(['redis', 'rediss', 'redis+cluster', 'rediss+cluster']);

/** The broker used when none is configured: a SQLite file under the working directory. */
export const DEFAULT_BROKER_URL = 'sqlite://.celeriac/broker.db';

const SUPPORTED = 'supported: sqlite://, redis://, rediss://, redis+cluster://, memory://';

/**
 * Builds a broker from a URL: `memory://`, `sqlite://relative/path.db` or
 * `sqlite:///absolute/path.db`. Nothing is opened until the broker's first use.
 */
export function brokerFromUrl(url: string): Broker {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new ConfigError('broker', `broker URL "${redactUrl(url)}" has no scheme (${SUPPORTED})`);
  }
  if (scheme === 'memory') return new MemoryBroker();
  if (scheme === 'sqlite') return new SqliteBroker({ path: sqlitePath(url) });
  if (REDIS_SCHEMES.has(scheme)) return new RedisBroker({ url });
  throw new ConfigError('broker', `unsupported broker URL scheme "${scheme}:" (${SUPPORTED})`);
}

/** The file path of a `sqlite://` URL: what follows `sqlite://`, without query or fragment. */
function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (!rest.startsWith('//')) {
    throw new ConfigError('broker', `SQLite broker URL "${url}" must start with "sqlite://"`);
  }
  const raw = rest.slice(2).split(/[?#]/, 1)[0] ?? '';
  if (raw === '' || raw === '/') {
    throw new ConfigError('broker', `SQLite broker URL "${url}" names no file`);
  }
  return decodeURIComponent(raw);
}
