import { ConfigError } from '../../errors/errors.ts';

/** Options of the Redis broker; every one has a safe default. */
export interface RedisBrokerOptions {
  /** `redis://[user:password@]host:port/db`, `rediss://…`, or `redis+cluster://h1:p1,h2:p2`. */
  url?: string;
  /** Prefix of every key and channel, so several apps can share one Redis. Default `celeriac`. */
  prefix?: string;
  /** How long `connect()` may take before it fails with one clear line. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long `enqueue` keeps trying through an outage before it rejects. Default 10 s. */
  publishTimeoutMs?: number;
  /** Longest wait between checks while idle, in case a wake-up message was lost. Default 1 s. */
  pollIntervalMs?: number;
  /** How often the wake-up subscription proves it still receives; rebuilt after 3 misses. Default 5 s. */
  heartbeatMs?: number;
  /** Shown in CLIENT LIST, to count a worker's connections. Default `celeriac`. */
  connectionName?: string;
}

/** Where to connect, parsed from a URL. */
export interface RedisTarget {
  cluster: boolean;
  nodes: Array<{ host: string; port: number }>;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
  prefix?: string;
}

/** Parses a Redis URL; throws ConfigError (without the password) when it is malformed. */
export function parseRedisUrl(url: string, key = 'broker'): RedisTarget {
  const match =
    /^(redis|rediss|redis\+cluster|rediss\+cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(?:\/(\d*))?(?:\?(.*))?$/.exec(
      url,
    );
  if (!match)
    throw new ConfigError(key, 'expected redis://[user:password@]host:port[/db][?prefix=name]');
  const [, scheme = '', user, password, hosts = '', db, query] = match;
  const nodes = hosts.split(',').map((hostPort) => parseHostPort(hostPort, key));
  const cluster = scheme.endsWith('+cluster');
  if (!cluster && nodes.length > 1)
    throw new ConfigError(key, 'several hosts need redis+cluster://');
  const prefix = new URLSearchParams(query ?? '').get('prefix') ?? undefined;
  return {
    cluster,
    nodes,
    tls: scheme.startsWith('rediss'),
    username: user ? decodeURIComponent(user) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    db: db ? Number(db) : 0,
    prefix,
  };
}

function parseHostPort(hostPort: string, key: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(hostPort);
  const found = bracketed ?? plain;
  if (!found?.[1]) throw new ConfigError(key, `bad Redis host "${hostPort}"`);
  const port = found[2] ? Number(found[2]) : 6379;
  if (!(port > 0 && port < 65536)) throw new ConfigError(key, `bad Redis port in "${hostPort}"`);
  return { host: found[1], port };
}

/** `host:port` of the first node, for messages (never the password). */
export function describeTarget(target: RedisTarget): string {
  return target.nodes.map((n) => `${n.host}:${n.port}`).join(',');
}
