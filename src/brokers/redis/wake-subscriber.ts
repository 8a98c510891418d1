import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../redis/redis-connection.ts';

export interface WakeSubscriberOptions {
  /** Publishes heartbeats and anything else on the command connection. */
  command: RedisClient;
  /** Makes a fresh subscriber connection (at start and on every rebuild). */
  connect: () => Promise<RedisClient>;
  heartbeatChannelPrefix: string;
  heartbeatMs: number;
  onMessage: (channel: string, message: string) => void;
  onError: (error: unknown, what: string) => void;
}

/**
 * The one subscriber connection of a broker. A subscription can go quiet after a reconnect
 * without any error (a long-standing failure of Celery's and BullMQ's blocking reads), so it
 * publishes a heartbeat to itself and rebuilds the connection after three missed beats.
 */
export class WakeSubscriber {
  private client: RedisClient | undefined;
  private readonly channels = new Set<string>();
  private readonly heartbeatChannel: string;
  private timer: NodeJS.Timeout | undefined;
  private lastBeat = Date.now();
  private rebuilding: Promise<void> | undefined;
  /** How many times a quiet subscription was rebuilt. */
  rebuilds = 0;

  constructor(private readonly options: WakeSubscriberOptions) {
    this.heartbeatChannel = `${options.heartbeatChannelPrefix}${randomUUID()}`;
  }

  /** Subscribes to channels not yet watched (connecting on first use). */
  async watch(channels: string[]): Promise<void> {
    const fresh = channels.filter((c) => !this.channels.has(c));
    if (fresh.length === 0 && this.client) return;
    for (const channel of fresh) this.channels.add(channel);
    if (!this.client) return this.rebuild();
    await this.client.subscribe(...fresh);
  }

  /** Closes the subscriber connection and stops the heartbeat. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.client?.disconnect();
    this.client = undefined;
  }

  /** The current connection, for tests that simulate a lost subscription. */
  get connection(): RedisClient | undefined {
    return this.client;
  }

  private rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      this.client?.disconnect();
      const client = await this.options.connect();
      client.on('message', (channel: string, message: string) => this.receive(channel, message));
      client.on('error', (error) => this.options.onError(error, 'subscriber connection'));
      await client.subscribe(this.heartbeatChannel, ...this.channels);
      this.client = client;
      this.lastBeat = Date.now();
      this.timer ??= setInterval(() => void this.beat(), this.options.heartbeatMs);
    })().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private receive(channel: string, message: string): void {
    if (channel === this.heartbeatChannel) this.lastBeat = Date.now();
    else this.options.onMessage(channel, message);
  }

  private async beat(): Promise<void> {
    if (Date.now() - this.lastBeat > 3 * this.options.heartbeatMs) {
      this.rebuilds++;
      this.options.onError(
        new Error('wake-up subscription went quiet'),
        'rebuilding the subscriber connection',
      );
      await this.rebuild().catch((error) => this.options.onError(error, 'subscriber rebuild'));
      return;
    }
    await this.options.command
      .publish(this.heartbeatChannel, String(Date.now()))
      .catch((error) => this.options.onError(error, 'subscriber heartbeat'));
  }
}
