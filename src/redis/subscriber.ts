import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection.ts';

/** How often a subscription proves it still receives, when its owner sets nothing. */
export const DEFAULT_HEARTBEAT_MS = 5000;

export interface RedisSubscriberOptions {
  /** Publishes on the command connection: the heartbeats go out there. */
  publish: (channel: string, message: string) => Promise<unknown>;
  /** Makes a fresh, connected subscriber connection (at first use and on every rebuild). */
  connect: () => Promise<RedisClient>;
  heartbeatChannelPrefix: string;
  heartbeatMs: number;
  onMessage: (channel: string, message: string) => void;
  /** Channels starting with `prefix` carry binary messages: they go to `receive` as bytes. */
  binary?: { prefix: string; receive: (channel: string, message: Buffer) => void };
  onError: (error: unknown, what: string) => void;
}

/**
 * One subscriber connection shared by every channel its owner watches (a broker's queue
 * wake-ups and broadcast channels, a result backend's result channels). A subscription can go
 * quiet after a reconnect without any error (a long-standing failure of Celery's and BullMQ's
 * blocking reads), so it publishes a heartbeat to itself and rebuilds the connection, with
 * every watched channel, after three missed beats.
 */
export class RedisSubscriber {
  private client: RedisClient | undefined;
  /** The channels wanted now; the connection catches up through `queue`. */
  private readonly channels = new Set<string>();
  private readonly heartbeatChannel: string;
  private timer: NodeJS.Timeout | undefined;
  private lastBeat = Date.now();
  /** Rebuilds, SUBSCRIBEs and UNSUBSCRIBEs run one at a time, in the order they were asked. */
  private queue: Promise<void> = Promise.resolve();
  private rebuilding: Promise<void> | undefined;
  private closed = false;
  /** How many times a quiet subscription was rebuilt. */
  rebuilds = 0;

  constructor(private readonly options: RedisSubscriberOptions) {
    this.heartbeatChannel = `${options.heartbeatChannelPrefix}${randomUUID()}`;
  }

  /** Subscribes to channels not yet watched (connecting on first use); resolves once active. */
  async watch(channels: string[]): Promise<void> {
    const fresh = channels.filter((c) => !this.channels.has(c));
    if (fresh.length === 0 && this.client) return;
    for (const channel of fresh) this.channels.add(channel);
    try {
      await this.enqueue(async () => {
        if (!this.client) return this.rebuildNow();
        // An unwatch asked after this watch already took the channel back.
        const wanted = fresh.filter((c) => this.channels.has(c));
        if (wanted.length > 0) await this.client.subscribe(...wanted);
      });
    } catch (error) {
      // Not subscribed: the next watch of these channels must try again, not take them as done.
      for (const channel of fresh) this.channels.delete(channel);
      throw error;
    }
  }

  /** Unsubscribes from watched channels; resolves once the server confirmed it. */
  async unwatch(channels: string[]): Promise<void> {
    const gone = channels.filter((c) => this.channels.delete(c));
    if (gone.length === 0) return;
    return this.enqueue(async () => {
      // A watch asked after this unwatch wants the channel again.
      const unwanted = gone.filter((c) => !this.channels.has(c));
      if (unwanted.length > 0 && this.client) await this.client.unsubscribe(...unwanted);
    });
  }

  /** Closes the subscriber connection and stops the heartbeat; a rebuild under way is dropped. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.client?.disconnect();
    this.client = undefined;
  }

  /** The current connection, for tests that simulate a lost subscription. */
  get connection(): RedisClient | undefined {
    return this.client;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.closed ? undefined : step()));
    // Each caller learns of its own failure through `run`; the queue only keeps the order.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async rebuildNow(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
    const client = await this.options.connect();
    client.on('message', (channel: string, message: string) => this.receive(channel, message));
    const binary = this.options.binary;
    if (binary) {
      client.on('messageBuffer', (channel: Buffer, message: Buffer) => {
        const name = channel.toString();
        if (name.startsWith(binary.prefix)) binary.receive(name, message);
      });
    }
    client.on('error', (error) => this.options.onError(error, 'subscriber connection'));
    if (!this.closed) await client.subscribe(this.heartbeatChannel, ...this.channels);
    if (this.closed) {
      client.disconnect();
      return;
    }
    this.client = client;
    this.lastBeat = Date.now();
    this.timer ??= setInterval(() => void this.beat(), this.options.heartbeatMs);
  }

  private receive(channel: string, message: string): void {
    if (channel === this.heartbeatChannel) this.lastBeat = Date.now();
    else if (!this.options.binary || !channel.startsWith(this.options.binary.prefix))
      this.options.onMessage(channel, message);
  }

  private async beat(): Promise<void> {
    if (this.rebuilding) return;
    if (Date.now() - this.lastBeat > 3 * this.options.heartbeatMs) {
      this.rebuilds++;
      this.options.onError(
        new Error('subscription went quiet'),
        'rebuilding the subscriber connection',
      );
      this.rebuilding = this.enqueue(() => this.rebuildNow())
        .catch((error) => this.options.onError(error, 'subscriber rebuild'))
        .finally(() => {
          this.rebuilding = undefined;
        });
      return;
    }
    await this.options
      .publish(this.heartbeatChannel, String(Date.now()))
      .catch((error) => this.options.onError(error, 'subscriber heartbeat'));
  }
}
