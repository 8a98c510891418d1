import type { RedisClient } from '../../redis/redis-connection.ts';
import type { LazyConnection } from './redis-connection.ts';

/** Receives the messages of one channel. */
export type MessageListener = (message: string) => void;

/** Ends one `listen`; resolves once the channel is unsubscribed (when it was the last). */
export type Release = () => Promise<void>;

interface Channel {
  listeners: Set<MessageListener>;
  /** Settles once the SUBSCRIBE was answered. */
  subscribed: Promise<void>;
}

/**
 * Shares one subscriber connection among any number of listeners: a channel is subscribed
 * while at least one listener needs it, and unsubscribed when the last one leaves.
 */
export class ChannelSubscriber {
  private readonly channels = new Map<string, Channel>();
  /** SUBSCRIBE and UNSUBSCRIBE go out strictly in the order they were decided. */
  private queue: Promise<void> = Promise.resolve();
  private wired: RedisClient | undefined;
  private closed = false;

  constructor(
    private readonly connection: LazyConnection,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Listens on `channel`; resolves once the subscription is active, with its release. */
  async listen(channelName: string, listener: MessageListener): Promise<Release> {
    let channel = this.channels.get(channelName);
    if (!channel) channel = this.subscribe(channelName);
    channel.listeners.add(listener);
    const entry = channel;
    let released: Promise<void> | undefined;
    const release = () => {
      released ??= this.unlisten(channelName, entry, listener);
      return released;
    };
    try {
      await entry.subscribed;
    } catch (error) {
      await release();
      throw error;
    }
    return release;
  }

  /** How many channels are subscribed or being subscribed. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Drops every subscription and quits the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    await this.connection.close();
  }

  private subscribe(channelName: string): Channel {
    const channel: Channel = { listeners: new Set(), subscribed: Promise.resolve() };
    channel.subscribed = this.enqueue((client) => client.subscribe(channelName)).catch(
      (error: unknown) => {
        // A failed channel must not be joined by later listeners; they try afresh.
        if (this.channels.get(channelName) === channel) this.channels.delete(channelName);
        throw error;
      },
    );
    this.channels.set(channelName, channel);
    return channel;
  }

  private async unlisten(
    channelName: string,
    channel: Channel,
    listener: MessageListener,
  ): Promise<void> {
    channel.listeners.delete(listener);
    if (channel.listeners.size > 0 || this.channels.get(channelName) !== channel) return;
    this.channels.delete(channelName);
    if (this.closed) return;
    try {
      await this.enqueue((client) => client.unsubscribe(channelName));
    } catch (error) {
      // The listener is gone either way; a stray subscription only costs ignored messages.
      this.onError(error);
    }
  }

  private enqueue(command: (client: RedisClient) => Promise<unknown>): Promise<void> {
    const run = this.queue.then(async () => {
      const client = await this.connection.open();
      this.wire(client);
      await command(client);
    });
    // Each caller learns of its own failure through `run`; the queue only keeps the order.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Routes messages to listeners, once per client (a reconnect after `close` makes a new one). */
  private wire(client: RedisClient): void {
    if (this.wired === client) return;
    this.wired = client;
    client.on('message', (channelName: string, message: string) => {
      for (const listener of this.channels.get(channelName)?.listeners ?? []) listener(message);
    });
  }
}
