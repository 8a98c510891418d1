import { ConfigError } from '../errors/errors.ts';
import { redactUrl } from '../logging/redact-url.ts';

/** Where to connect, parsed from a Redis URL. */
export interface RedisTarget {
  cluster: boolean;
  nodes: Array<{ host: string; port: number }>;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
  /** The `prefix` query parameter, when the URL has one. */
  prefix?: string;
}

/** The URL used when none is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

const URL_SHAPE =
  /^(redis|rediss|redis\+cluster|rediss\+cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/;
const EXPECTED =
  'expected redis://[user:password@]host:port[/db][?prefix=name], rediss://… or redis+cluster://host:port,host:port';

/**
 * Parses `redis://`, `rediss://` and `redis+cluster://h1:p1,h2:p2` URLs. `key` names the config
 * key in errors, which never show the password.
 */
export function parseRedisUrl(url: string, key: string): RedisTarget {
  try {
    return parseTarget(url, key);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(key, `Redis URL "${redactUrl(url)}" ${error.detail}`);
  }
}

function parseTarget(url: string, key: string): RedisTarget {
  const match = URL_SHAPE.exec(url);
  if (!match) throw new ConfigError(key, `is not valid (${EXPECTED})`);
  const [, scheme = '', user, password, hosts = '', dbText = '', query] = match;
  const cluster = scheme.endsWith('+cluster');
  const nodes = hosts.split(',').map((hostPort) => parseHostPort(hostPort, key));
  if (!cluster && nodes.length > 1)
    throw new ConfigError(key, 'several hosts need redis+cluster://');
  if (!/^\d*$/.test(dbText))
    throw new ConfigError(key, `names database "${dbText}", not a number such as /0`);
  const prefix = new URLSearchParams(query ?? '').get('prefix');
  if (prefix === '') throw new ConfigError(key, 'has an empty prefix');
  return {
    cluster,
    nodes,
    tls: scheme.startsWith('rediss'),
    username: decodeUserInfo(user, key),
    password: decodeUserInfo(password, key),
    db: dbText === '' ? 0 : Number(dbText),
    prefix: prefix ?? undefined,
  };
}

/** `host:port[,host:port]` for messages; never the credentials. */
export function describeTarget(target: RedisTarget): string {
  return target.nodes
    .map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`)
    .join(',');
}

function parseHostPort(hostPort: string, key: string): { host: string; port: number } {
  const found =
    /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(hostPort);
  if (!found?.[1]) throw new ConfigError(key, `bad Redis host "${hostPort}"`);
  const port = found[2] ? Number(found[2]) : 6379;
  if (!(port > 0 && port < 65536)) throw new ConfigError(key, `bad Redis port in "${hostPort}"`);
  return { host: found[1], port };
}

function decodeUserInfo(raw: string | undefined, key: string): string | undefined {
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ConfigError(key, 'has user info with malformed %-escapes');
  }
}
