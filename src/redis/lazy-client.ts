import { CeleriacError } from '../errors/errors.ts';
import {
  type ClientOptions,
  connectClient,
  createClient,
  quitClient,
  type RedisClient,
  scrubPassword,
} from './redis-connection.ts';
import type { RedisTarget } from './redis-url.ts';

/** How a lazily opened client is made, and where its later errors go. */
export interface LazyClientOptions extends ClientOptions {
  /** Receives errors of the established connection, password scrubbed (ioredis reconnects). */
  onError: (error: Error) => void;
  /** The error code `open` rejects with once closed. */
  closedCode: string;
}

/**
 * One client, connected on first use. A first connect that fails rejects with one clear line
 * and leaves no reconnect loop behind; the next `open` tries afresh. Closing is final, so a
 * caller that still holds it cannot open a connection nobody will close.
 */
export class LazyClient {
  private client: RedisClient | undefined;
  private ready: Promise<RedisClient> | undefined;
  private closed = false;

  constructor(
    private readonly target: RedisTarget,
    private readonly options: LazyClientOptions,
  ) {}

  /** The connected client; concurrent callers share one attempt. Rejects once closed. */
  open(): Promise<RedisClient> {
    if (this.ready) return this.ready;
    if (this.closed) {
      return Promise.reject(
        new CeleriacError(
          this.options.closedCode,
          `the connection for ${this.options.feature} is closed`,
        ),
      );
    }
    const client = createClient(this.target, this.options);
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
