import type { RedisClient } from '../../redis/redis-connection.ts';
import type { Broadcast, Unsubscribe } from '../broadcast.ts';
import { LuaScript } from './lua-script.ts';

const BROADCAST = new LuaScript('broadcast');

type Listener = (payload: string) => void;

interface Channel {
  listeners: Set<Listener>;
  /** Settles once the SUBSCRIBE was answered. */
  subscribed: Promise<void>;
}

/** What the Redis broadcast needs from its broker. */
export interface RedisBroadcastOptions {
  /** The broker's command connection, connecting first when needed. */
  client: () => Promise<RedisClient>;
  /** Subscribes the broker's one subscriber connection (made on first use) to channels. */
  watch: (channels: string[]) => Promise<void>;
  /** Unsubscribes it from channels. */
  unwatch: (channels: string[]) => Promise<void>;
  prefix: string;
  onError: (error: unknown, what: string) => void;
}

/**
 * Broadcast over Redis pub/sub, on channels `<prefix>:bcast:<channel>` of the broker's one
 * subscriber connection. A channel is subscribed while at least one listener needs it. Each
 * publish is a script on the slot of `<prefix>:{bcast:<channel>}`, so on a Redis Cluster all
 * messages of a channel leave through one node and arrive in publish order.
 */
export class RedisBroadcast implements Broadcast {
  /** By pub/sub channel name. */
  readonly #channels = new Map<string, Channel>();

  constructor(private readonly options: RedisBroadcastOptions) {}

  /** Publishes on the channel; subscribers of no process: dropped. */
  async publish(channel: string, payload: string): Promise<void> {
    const client = await this.options.client();
    const routingKey = `${this.options.prefix}:{bcast:${channel}}`;
    await BROADCAST.runInOrder(client, [routingKey], [this.#pubsubName(channel), payload]);
  }

  /** Adds a listener; resolves once the channel's SUBSCRIBE was answered. */
  async subscribe(channel: string, listener: Listener): Promise<Unsubscribe> {
    const name = this.#pubsubName(channel);
    const entry = this.#channels.get(name) ?? this.#watch(name);
    entry.listeners.add(listener);
    let left: Promise<void> | undefined;
    const unsubscribe = () => {
      left ??= this.#leave(name, entry, listener);
      return left;
    };
    try {
      await entry.subscribed;
    } catch (error) {
      await unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** Hands a message of the subscriber connection to the listeners of its channel, if any. */
  receive(name: string, message: string): void {
    const entry = this.#channels.get(name);
    if (!entry) return;
    for (const listener of [...entry.listeners]) {
      if (!entry.listeners.has(listener)) continue;
      try {
        listener(message);
      } catch (error) {
        const channel = name.slice(this.#pubsubName('').length);
        process.emitWarning(`a broadcast listener on "${channel}" threw: ${String(error)}`);
      }
    }
  }

  /** Drops every listener (the broker is closing its subscriber connection). */
  close(): void {
    this.#channels.clear();
  }

  #watch(name: string): Channel {
    const entry: Channel = { listeners: new Set(), subscribed: Promise.resolve() };
    entry.subscribed = this.options.watch([name]).catch((error: unknown) => {
      // A failed channel must not be joined by later listeners; they try afresh.
      if (this.#channels.get(name) === entry) this.#channels.delete(name);
      throw error;
    });
    this.#channels.set(name, entry);
    return entry;
  }

  async #leave(name: string, entry: Channel, listener: Listener): Promise<void> {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || this.#channels.get(name) !== entry) return;
    this.#channels.delete(name);
    try {
      await this.options.unwatch([name]);
    } catch (error) {
      // The listener is gone either way; a stray subscription only costs ignored messages.
      this.options.onError(error, 'broadcast unsubscribe');
    }
  }

  #pubsubName(channel: string): string {
    return `${this.options.prefix}:bcast:${channel}`;
  }
}
