import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { BrokerUnavailable } from '../errors/errors.ts';
import { requireOptional } from '../packages/optional-package.ts';
import { ConnectionLiveness } from './connection-liveness.ts';
import { describeTarget, type RedisTarget } from './redis-url.ts';

export type RedisClient = Redis | Cluster;

export interface ClientOptions {
  /** What needs the client, for the error when ioredis is missing ("the Redis broker"). */
  feature: string;
  /** Shown in CLIENT LIST. */
  connectionName: string;
  /** Longest time the first connect (and its credential check) may take. */
  connectTimeoutMs: number;
  /**
   * false: a command during an outage fails at once and the caller decides (the broker's
   * publisher retries until its deadline, the worker loop backs off; nothing is resent behind
   * its back). true: commands wait across a short outage, failing after a few reconnects.
   */
  offlineQueue: boolean;
  /**
   * How long a PING may go unanswered before the connection is dropped and remade (a silent
   * partition gives no error). Default 3000.
   */
  livenessTimeoutMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 2000;
/** Long enough for a server busy with a slow script or a fork, short enough to notice a partition. */
export const DEFAULT_LIVENESS_TIMEOUT_MS = 3000;

/**
 * A client for the target, not yet connected. It never retries a first connect that failed
 * (`connectClient` reports it), and reconnects on its own once it has been connected, also
 * when the connection went silent (`ConnectionLiveness`).
 */
export function createClient(target: RedisTarget, options: ClientOptions): RedisClient {
  const ioredis = requireOptional<typeof import('ioredis')>('ioredis', options.feature);
  const state = { established: false };
  const retry = (times: number) =>
    state.established ? Math.min(100 * times, MAX_RECONNECT_DELAY_MS) : null;
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    username: target.username,
    password: target.password,
    db: target.db,
    tls: target.tls ? {} : undefined,
    connectionName: options.connectionName,
    connectTimeout: options.connectTimeoutMs,
    enableOfflineQueue: options.offlineQueue,
    autoResendUnfulfilledCommands: options.offlineQueue,
    maxRetriesPerRequest: options.offlineQueue ? 5 : 0,
    // Auto-pipelining holds every command until the next event-loop turn: a lone delay() or a
    // worker's reserve would wait for it. Callers batch on their own (PublishCoalescer, acks
    // riding with reserve).
    enableAutoPipelining: false,
    retryStrategy: retry,
  };
  const client = target.cluster
    ? new ioredis.Cluster(target.nodes, {
        redisOptions,
        lazyConnect: true,
        enableOfflineQueue: options.offlineQueue,
        enableAutoPipelining: false,
        clusterRetryStrategy: retry,
      })
    : new ioredis.Redis({
        ...redisOptions,
        ...(target.nodes[0] ?? { host: '127.0.0.1', port: 6379 }),
      });
  const liveness = new ConnectionLiveness(
    client,
    options.livenessTimeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS,
  );
  client.once('ready', () => {
    state.established = true;
    liveness.start();
  });
  client.once('end', () => liveness.stop());
  return client;
}

/**
 * Opens the cluster client's connection to every master now. ioredis opens each on its first
 * command, and without an offline queue it refuses the commands sent while that connection is
 * still opening and retries them on a random node, which redirects them: a burst of scripts to
 * one slot (the broadcasts of a channel) then ran out of order.
 */
async function openNodeConnections(cluster: Cluster): Promise<void> {
  await Promise.all(cluster.nodes('master').map((node) => node.ping()));
}

/** Connects and checks the credentials, or fails with one line naming the host (never the password). */
export async function connectClient(
  client: RedisClient,
  target: RedisTarget,
  timeoutMs: number,
): Promise<void> {
  let firstError: unknown;
  // Until 'ready', ioredis tells why it failed only through 'error' events: the rejection of
  // `connect()` just says "Connection is closed.".
  const remember = (error: Error) => {
    firstError ??= error;
  };
  client.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]).catch((error: unknown) => {
      throw firstError ?? error;
    });
    // ioredis only warns when a server needs no password but one was given: check ourselves,
    // so a misconfigured URL fails here rather than pass unnoticed.
    if (target.password !== undefined) {
      const credentials = target.username ? [target.username, target.password] : [target.password];
      await Promise.race([client.call('AUTH', ...credentials), timeout]);
    }
    if (target.cluster) await Promise.race([openNodeConnections(client as Cluster), timeout]);
  } catch (error) {
    client.disconnect();
    throw new BrokerUnavailable(describeConnectFailure(error, target), { cause: error });
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}

/** One line naming host and port, never the password. */
export function describeConnectFailure(error: unknown, target: RedisTarget): string {
  const where = describeTarget(target);
  const message = scrubPassword(error instanceof Error ? error.message : String(error), target);
  if (/WRONGPASS|NOAUTH|NOPERM|\bAUTH\b|password/i.test(message)) {
    return target.password === undefined
      ? `Redis at ${where} needs a password: ${message}`
      : `Redis at ${where} refused the credentials: ${message}`;
  }
  return `cannot connect to Redis at ${where}: ${message}`;
}

/** The message on one line, with the password (should a server echo it) replaced by `***`. */
export function scrubPassword(message: string, target: RedisTarget): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return target.password ? line.split(target.password).join('***') : line;
}

/** True for errors of the connection (worth retrying after a reconnect), false for Redis replies. */
export function isConnectionError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|enableOfflineQueue|Cluster isn't ready|Failed to refresh slots|Max retries per request/i.test(
    message,
  );
}

/** Quits politely when connected, else just drops the socket (QUIT would first connect it). */
export async function quitClient(client: RedisClient): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch (error) {
    // The connection dropped while quitting: make sure no reconnect follows.
    client.disconnect();
    if (!isConnectionError(error)) throw error;
  }
}
