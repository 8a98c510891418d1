import type { RedisClient } from '../../redis/redis-connection.ts';
import type { SlotClaim, SlotHold, SlotStore } from '../contract/slot-store.ts';
import { LuaScript } from './lua-script.ts';

const SCRIPTS = {
  acquire: new LuaScript('acquire-slot'),
  renew: new LuaScript('renew-slots'),
  release: new LuaScript('release-slot'),
} as const;

/** Holds per renew script on one node: bounds the script's arguments. */
const RENEW_CHUNK = 500;

/** What the Redis slot store needs from its broker. */
export interface RedisSlotStoreOptions {
  /** The broker's command connection, connecting first when needed. */
  client: () => Promise<RedisClient>;
  prefix: string;
  /** Redis Cluster: holds of different keys live on different nodes. */
  cluster: boolean;
}

/**
 * Slots in Redis: one zset of holders scored by expiry per key, under its own hash tag
 * (`<prefix>:{slot:<key>}`), so each step is one script on one Cluster slot.
 */
export class RedisSlotStore implements SlotStore {
  constructor(private readonly options: RedisSlotStoreOptions) {}

  /** Takes or refreshes a slot when the key has room (server time unless `now` is given). */
  async acquire(
    key: string,
    limit: number,
    holder: string,
    ttlMs: number,
    now?: number,
  ): Promise<SlotClaim> {
    const client = await this.options.client();
    const reply = (await SCRIPTS.acquire.run(
      client,
      [this.#key(key)],
      [limit, holder, ttlMs, now ?? ''],
    )) as [number, number];
    if (reply[0] === 1) return { acquired: true };
    // The script counts in the server's clock; the caller waits by its own.
    return { acquired: false, retryAt: (now ?? Date.now()) + reply[1] };
  }

  /**
   * Extends the live holds among `holds`: one script for all of them on a single Redis; on a
   * Cluster one script per hold (in parallel), since their keys hash to different slots.
   */
  async renew(holds: readonly SlotHold[], now?: number): Promise<number> {
    if (holds.length === 0) return 0;
    const client = await this.options.client();
    const groups = this.options.cluster ? holds.map((hold) => [hold]) : chunk(holds, RENEW_CHUNK);
    const kept = await Promise.all(groups.map((group) => this.#renewGroup(client, group, now)));
    return kept.reduce((sum, n) => sum + n, 0);
  }

  /** Removes this holder from the key's zset. */
  async release(key: string, holder: string): Promise<void> {
    const client = await this.options.client();
    await SCRIPTS.release.run(client, [this.#key(key)], [holder]);
  }

  async #renewGroup(client: RedisClient, group: SlotHold[], now?: number): Promise<number> {
    const args: Array<string | number> = [now ?? ''];
    for (const hold of group) args.push(hold.holder, hold.ttlMs);
    const keys = group.map((hold) => this.#key(hold.key));
    return (await SCRIPTS.renew.run(client, keys, args)) as number;
  }

  #key(key: string): string {
    return `${this.options.prefix}:{slot:${key}}`;
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
