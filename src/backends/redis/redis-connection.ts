import { CeleriacError } from '../../errors/errors.ts';
import {
  connectClient,
  createClient,
  quitClient,
  type RedisClient,
  scrubPassword,
} from '../../redis/redis-connection.ts';
import type { RedisTarget } from '../../redis/redis-url.ts';

/** How one connection of a RedisClient backend behaves. */
export interface ConnectionOptions {
  /** Shown in CLIENT LIST. */
  connectionName: string;
  /** Longest time the first connect (and its credential check) may take. */
  connectTimeoutMs: number;
  /** Receives errors of an established connection (ioredis reconnects on its own). */
  onError: (error: Error) => void;
}

/**
 * One ioredis connection, opened on first use. A first connect that fails rejects with one
 * clear line and leaves no reconnect loop behind; the next `open` tries afresh.
 */
export class LazyConnection {
  private client: RedisClient | undefined;
  private ready: Promise<RedisClient> | undefined;
  private closed = false;

  constructor(
    private readonly target: RedisTarget,
    private readonly options: ConnectionOptions,
  ) {}

  /** The connected client; concurrent callers share one attempt. Rejects once closed. */
  open(): Promise<RedisClient> {
    if (this.ready) return this.ready;
    if (this.closed) {
      return Promise.reject(
        new CeleriacError('BACKEND_CLOSED', 'the RedisClient connection is closed'),
      );
    }
    const client = createClient(this.target, {
      feature: 'the Redis result backend',
      connectionName: this.options.connectionName,
      connectTimeoutMs: this.options.connectTimeoutMs,
      offlineQueue: true,
    });
    this.client = client;
    const ready = connectClient(client, this.target, this.options.connectTimeoutMs).then(
      () => {
        client.on('error', (error: Error) =>
          this.options.onError(new Error(scrubPassword(error.message, this.target))),
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
    if (client) await quitClient(client);
  }
}
