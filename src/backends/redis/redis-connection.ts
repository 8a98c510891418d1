import { Redis } from 'ioredis';
import { BrokerUnavailable, CeleriacError } from '../../errors/errors.ts';
import { describeTarget, type RedisTarget } from './redis-url.ts';

/** How one connection of a Redis backend behaves. */
export interface ConnectionOptions {
  /** Shown in CLIENT LIST. */
  connectionName: string;
  /** Longest time the first connect (and its credential check) may take. */
  connectTimeoutMs: number;
  /** Receives errors of an established connection (ioredis reconnects on its own). */
  onError: (error: Error) => void;
}

/** Longest pause between two reconnect attempts of a connection that once worked. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Commands wait in ioredis's offline queue across a short outage, and fail after this many
 * reconnect attempts (about 1.5 s) rather than hang.
 */
const MAX_RETRIES_PER_REQUEST = 5;

/**
 * One ioredis connection, opened on first use. A first connect that fails rejects with one
 * clear line and leaves no reconnect loop behind; the next `open` tries afresh.
 */
export class LazyConnection {
  private client: Redis | undefined;
  private ready: Promise<Redis> | undefined;
  private closed = false;

  constructor(
    private readonly target: RedisTarget,
    private readonly options: ConnectionOptions,
  ) {}

  /** The connected client; concurrent callers share one attempt. Rejects once closed. */
  open(): Promise<Redis> {
    if (this.ready) return this.ready;
    if (this.closed) {
      return Promise.reject(new CeleriacError('BACKEND_CLOSED', 'the Redis connection is closed'));
    }
    let established = false;
    const client = new Redis({
      host: this.target.host,
      port: this.target.port,
      db: this.target.db,
      username: this.target.username,
      password: this.target.password,
      tls: this.target.tls ? {} : undefined,
      lazyConnect: true,
      connectTimeout: this.options.connectTimeoutMs,
      connectionName: this.options.connectionName,
      maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
      retryStrategy: (times) =>
        established ? Math.min(times * 100, MAX_RECONNECT_DELAY_MS) : null,
    });
    this.client = client;
    const ready = connectClient(client, this.target, this.options.connectTimeoutMs).then(
      () => {
        established = true;
        client.on('error', (error: Error) =>
          this.options.onError(new Error(scrub(error.message, this.target))),
        );
        return client;
      },
      (error: unknown) => {
        if (this.client === client) {
          this.client = undefined;
          this.ready = undefined;
        }
        throw error;
      },
    );
    this.ready = ready;
    return ready;
  }

  /** Quits the connection, or drops it when not connected yet; final. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.ready = undefined;
    if (client) await quit(client);
  }
}

async function connectClient(client: Redis, target: RedisTarget, timeoutMs: number): Promise<void> {
  let firstError: unknown;
  const remember = (error: Error) => {
    firstError ??= error;
  };
  // Until 'ready', ioredis reports why it failed only through 'error' events: the rejection of
  // `connect()` just says "Connection is closed.".
  client.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]).catch((error: unknown) => {
      throw firstError ?? error;
    });
    // ioredis only prints a warning when the server needs no password but one was given; check
    // the credentials ourselves so a misconfigured URL fails here rather than pass unnoticed.
    if (target.password !== undefined) {
      const credentials = target.username ? [target.username, target.password] : [target.password];
      await Promise.race([client.call('AUTH', ...credentials), timeout]);
    }
  } catch (error) {
    client.disconnect();
    throw new BrokerUnavailable(describeFailure(error, target));
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}

/** One line naming host and port, never the password. */
function describeFailure(error: unknown, target: RedisTarget): string {
  const where = describeTarget(target);
  const message = scrub(error instanceof Error ? error.message : String(error), target);
  if (/WRONGPASS|NOAUTH|NOPERM|\bAUTH\b|password/i.test(message)) {
    return target.password === undefined
      ? `Redis at ${where} needs a password: ${message}`
      : `Redis at ${where} refused the credentials: ${message}`;
  }
  return `cannot connect to Redis at ${where}: ${message}`;
}

/** The message on one line, with the password (should a server echo it) replaced by `***`. */
function scrub(message: string, target: RedisTarget): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return target.password ? line.split(target.password).join('***') : line;
}

async function quit(client: Redis): Promise<void> {
  // QUIT on a connection that is not up would first connect it.
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    // The connection dropped while quitting: make sure no reconnect follows.
    client.disconnect();
  }
}
