import type { RedisClient } from '../../redis/redis-connection.ts';
import type { Broadcast, Unsubscribe } from '../contract/broadcast.ts';
import { BroadcastFence } from './broadcast-fence.ts';
import { LuaScript } from './lua-script.ts';

const BROADCAST = new LuaScript('broadcast');

type Listener = (payload: string) => void;

interface Channel {
  listeners: Set<Listener>;
  /** Listeners whose fence has not come back yet: they keep the channel subscribed. */
  joining: number;
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
 * messages of a channel leave through one node and arrive in publish order. A listener starts
 * hearing a channel when a fence published the same way comes back (`BroadcastFence`), so it
 * hears nothing published before it subscribed, even from another node of a cluster.
 */
export class RedisBroadcast implements Broadcast {
  /** By pub/sub channel name. */
  readonly #channels = new Map<string, Channel>();
  readonly #fence: BroadcastFence;

  constructor(private readonly options: RedisBroadcastOptions) {
    this.#fence = new BroadcastFence(options.prefix);
  }

  /** Publishes on the channel; subscribers of no process: dropped. */
  async publish(channel: string, payload: string): Promise<void> {
    await this.#publishVia(channel, this.#pubsubName(channel), payload);
  }

  /** Adds a listener; resolves once it hears everything published from now on, nothing before. */
  async subscribe(channel: string, listener: Listener): Promise<Unsubscribe> {
    const name = this.#pubsubName(channel);
    const entry = this.#channels.get(name) ?? this.#watch(name);
    entry.joining++;
    let joining = true;
    const stopJoining = () => {
      if (joining) entry.joining--;
      joining = false;
    };
    let left: Promise<void> | undefined;
    const unsubscribe = () => {
      stopJoining();
      left ??= this.#leave(name, entry, listener);
      return left;
    };
    try {
      await entry.subscribed;
      await this.#fence.pass(
        `broadcast channel "${channel}"`,
        (token) => this.#publishVia(channel, this.#fence.channel, token),
        () => {
          stopJoining();
          if (!left) entry.listeners.add(listener);
        },
      );
    } catch (error) {
      await unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** Hands a message of the subscriber connection to the listeners of its channel, if any. */
  receive(name: string, message: string): void {
    if (name === this.#fence.channel) {
      this.#fence.receive(message);
      return;
    }
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
    this.#fence.clear();
  }

  /** Publishes from the node that owns the channel's slot, to `pubsubName` (data or fence). */
  async #publishVia(channel: string, pubsubName: string, payload: string): Promise<void> {
    const client = await this.options.client();
    const routingKey = `${this.options.prefix}:{bcast:${channel}}`;
    await BROADCAST.runInOrder(client, [routingKey], [pubsubName, payload]);
  }

  #watch(name: string): Channel {
    const entry: Channel = { listeners: new Set(), joining: 0, subscribed: Promise.resolve() };
    entry.subscribed = this.options.watch([name, this.#fence.channel]).catch((error: unknown) => {
      // A failed channel must not be joined by later listeners; they try afresh.
      if (this.#channels.get(name) === entry) this.#channels.delete(name);
      throw error;
    });
    this.#channels.set(name, entry);
    return entry;
  }

  async #leave(name: string, entry: Channel, listener: Listener): Promise<void> {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || entry.joining > 0 || this.#channels.get(name) !== entry) return;
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
