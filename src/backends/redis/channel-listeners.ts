import type { RedisSubscriber } from '../../redis/subscriber.ts';

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
 * Shares one subscriber connection among any number of listeners: a channel is watched while
 * at least one listener needs it, and unwatched when the last one leaves. The subscriber
 * rebuilds a subscription that went quiet with every channel still watched.
 */
export class ChannelListeners {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly subscriber: RedisSubscriber,
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

  /** Hands a message of the subscriber connection to the listeners of its channel. */
  receive(channelName: string, message: string): void {
    for (const listener of this.channels.get(channelName)?.listeners ?? []) listener(message);
  }

  /** How many channels are subscribed or being subscribed. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Drops every listener and closes the subscriber connection. */
  close(): void {
    this.channels.clear();
    this.subscriber.close();
  }

  private subscribe(channelName: string): Channel {
    const channel: Channel = { listeners: new Set(), subscribed: Promise.resolve() };
    channel.subscribed = this.subscriber.watch([channelName]).catch((error: unknown) => {
      // A failed channel must not be joined by later listeners; they try afresh.
      if (this.channels.get(channelName) === channel) this.channels.delete(channelName);
      throw error;
    });
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
    try {
      await this.subscriber.unwatch([channelName]);
    } catch (error) {
      // The listener is gone either way; a stray subscription only costs ignored messages.
      this.onError(error);
    }
  }
}
