import { redactUrl } from '../../brokers/resolve-broker.ts';
import { ConfigError } from '../../errors/errors.ts';

/** Where a Redis result backend connects, parsed from its URL. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** The `prefix` query parameter, when the URL has one. */
  prefix?: string;
}

/** The URL used when none is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

const EXPECTED = 'expected redis://[user:password@]host:port/db or rediss://…';

/** Parses `redis://[user:password@]host:port/db[?prefix=name]`; errors never show the password. */
export function parseRedisUrl(url: string): RedisTarget {
  const fail = (detail: string) =>
    new ConfigError('backend', `result backend URL "${redactUrl(url)}" ${detail}`);
  if (!URL.canParse(url)) throw fail(`is not a valid URL (${EXPECTED})`);
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw fail(`is not a Redis URL (${EXPECTED})`);
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(dbText)) throw fail(`names database "${dbText}", not a number such as /0`);
  const prefix = parsed.searchParams.get('prefix');
  if (prefix === '') throw fail('has an empty prefix');
  return {
    // WHATWG URLs keep the brackets of an IPv6 host; sockets want the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: dbText === '' ? 0 : Number(dbText),
    tls: parsed.protocol === 'rediss:',
    username: decodeUserInfo(parsed.username, 'user name', fail),
    password: decodeUserInfo(parsed.password, 'password', fail),
    prefix: prefix ?? undefined,
  };
}

/** `host:port` for messages; never the credentials. */
export function describeTarget(target: RedisTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}

function decodeUserInfo(
  raw: string,
  what: string,
  fail: (detail: string) => ConfigError,
): string | undefined {
  if (raw === '') return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw fail(`has a ${what} with malformed %-escapes`);
  }
}
