/**
 * Key names of one queue. All share the hash tag `{queue}`, so every script touches a
 * single Redis Cluster slot.
 */
export class QueueKeys {
  /** `<prefix>:{<queue>}`: every key of the queue starts with it, hash tag included. */
  readonly tag: string;
  readonly ready: string[];
  readonly delayed: string;
  readonly held: string;
  readonly leases: string;
  readonly dead: string;
  /** Reserves waiting for a message, by when they lapse (scripts/lib/waiters.lua). */
  readonly waiters: string;
  readonly wakeChannel: string;
  /** The keys reserve.lua takes, in its order: made once, as every reserve sends them. */
  readonly reserveKeys: string[];

  constructor(prefix: string, queue: string) {
    const tag = `${prefix}:{${queue}}`;
    this.tag = tag;
    this.ready = Array.from({ length: 10 }, (_, p) => `${tag}:p${p}`);
    this.delayed = `${tag}:delayed`;
    this.held = `${tag}:held`;
    this.leases = `${tag}:leases`;
    this.dead = `${tag}:dead`;
    this.waiters = `${tag}:waiters`;
    this.wakeChannel = `${tag}:wake`;
    this.reserveKeys = [
      ...this.ready,
      this.delayed,
      this.held,
      this.leases,
      this.dead,
      this.waiters,
    ];
  }
}

/** The set of queue names ever published to (its own slot; an index, not on the hot path). */
export function queueIndexKey(prefix: string): string {
  return `${prefix}:queues`;
}

/** The channel on which a broker's reserves are handed messages; one per broker instance. */
export function handoffChannel(prefix: string, brokerId: string): string {
  return `${prefix}:handoff:${brokerId}`;
}

/** The hash tag of the control keys: revokes and workers live on one Cluster slot. */
export function controlTag(prefix: string): string {
  return `${prefix}:{control}`;
}

/** The keys of every queue a broker has touched, made once, and the queue of a wake channel. */
export class QueueKeyring {
  private readonly byQueue = new Map<string, QueueKeys>();
  private readonly byChannel = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  /** The keys of a queue. */
  of(queue: string): QueueKeys {
    let keys = this.byQueue.get(queue);
    if (!keys) {
      keys = new QueueKeys(this.prefix, queue);
      this.byQueue.set(queue, keys);
      this.byChannel.set(keys.wakeChannel, queue);
    }
    return keys;
  }

  /** The queue whose wake channel this is, if known. */
  queueOfChannel(channel: string): string | undefined {
    return this.byChannel.get(channel);
  }
}
