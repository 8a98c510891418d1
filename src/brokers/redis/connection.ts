import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { BrokerUnavailable } from '../../errors/errors.ts';
import type { RedisClient } from './lua-script.ts';
import { describeTarget, type RedisTarget } from './redis-options.ts';

export interface ConnectOptions {
  connectTimeoutMs: number;
  connectionName: string;
}

/** A client for the target, not yet connected. Commands fail fast while disconnected. */
export function createClient(target: RedisTarget, options: ConnectOptions): RedisClient {
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    username: target.username,
    password: target.password,
    db: target.db,
    tls: target.tls ? {} : undefined,
    connectionName: options.connectionName,
    connectTimeout: options.connectTimeoutMs,
    // No offline queue: a command during an outage fails at once and the caller decides (the
    // publisher retries until its deadline; the worker loop backs off). No silent resends.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  if (!target.cluster) {
    const node = target.nodes[0] ?? { host: '127.0.0.1', port: 6379 };
    return new Redis({ ...redisOptions, host: node.host, port: node.port });
  }
  return new Cluster(target.nodes, {
    redisOptions,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

/** Connects, or fails with one line naming the host (never the password) and stops retrying. */
export async function connectClient(
  client: RedisClient,
  target: RedisTarget,
  timeoutMs: number,
): Promise<void> {
  const where = describeTarget(target);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
    await Promise.race([client.ping(), timeout]);
  } catch (error) {
    client.disconnect();
    throw new BrokerUnavailable(describeConnectError(error, where, target.password), {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

function describeConnectError(error: unknown, where: string, password: string | undefined): string {
  let message = error instanceof Error ? error.message : String(error);
  if (password) message = message.split(password).join('***');
  if (/WRONGPASS|NOAUTH|invalid password|AUTH/i.test(message)) {
    return `Redis at ${where} refused the credentials: ${message}`;
  }
  return `cannot connect to Redis at ${where}: ${message}`;
}

/** True for errors of the connection (retry after reconnect), false for Redis replies. */
export function isConnectionError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|enableOfflineQueue|Cluster isn't ready|Failed to refresh slots/i.test(
    message,
  );
}
