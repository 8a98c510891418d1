import type { RedisClient } from '../../redis/redis-connection.ts';
import type { BeatStore, StoredEntry } from '../contract/beat-store.ts';
import { LuaScript } from './lua-script.ts';

const SCRIPTS = {
  lead: new LuaScript('lead'),
  resign: new LuaScript('resign'),
  claimTick: new LuaScript('claim-tick'),
  lastTicks: new LuaScript('last-ticks'),
  putEntry: new LuaScript('put-entry'),
  removeEntry: new LuaScript('remove-entry'),
  readEntries: new LuaScript('read-entries'),
} as const;

/**
 * Key names of one beat group. All share the hash tag `{beat:<group>}`, so every script of a
 * group runs on one Redis Cluster slot.
 */
export class BeatKeys {
  /** Hash: holder, expires_at (server ms). */
  readonly lease: string;
  /** Hash: entry name → last tick (epoch ms). */
  readonly ticks: string;
  /** Hash: entry name → JSON `{ spec, updatedAt }`. */
  readonly entries: string;
  /** Counter bumped by every change of `entries`. */
  readonly version: string;

  constructor(prefix: string, group: string) {
    const tag = `${prefix}:{beat:${group}}`;
    this.lease = `${tag}:lease`;
    this.ticks = `${tag}:ticks`;
    this.entries = `${tag}:entries`;
    this.version = `${tag}:version`;
  }
}

/** What an entry's hash field holds besides its name (the field itself). */
interface EntryValue {
  spec: string;
  updatedAt: number;
}

/** The scheduler's state in Redis: one script per operation, leases on the server's clock. */
export class RedisBeatStore implements BeatStore {
  /** `client` gives the broker's command connection (connecting when needed). */
  constructor(
    private readonly client: () => Promise<RedisClient>,
    private readonly prefix: string,
  ) {}

  /** Takes a free or expired lease, or renews the holder's own (`lead.lua`). */
  async lead(group: string, holder: string, ttlMs: number): Promise<boolean> {
    const keys = this.#keys(group);
    return (await this.#run(SCRIPTS.lead, [keys.lease], [holder, ttlMs])) === 1;
  }

  /** Deletes the lease only when `holder` has it (`resign.lua`). */
  async resign(group: string, holder: string): Promise<void> {
    await this.#run(SCRIPTS.resign, [this.#keys(group).lease], [holder]);
  }

  /** Records `tick` when it is later than the entry's last one, or that is `replacing` (`claim-tick.lua`). */
  async claimTick(
    group: string,
    entry: string,
    tick: number,
    replacing?: number,
  ): Promise<boolean> {
    const args = replacing === undefined ? [entry, tick] : [entry, tick, replacing];
    return (await this.#run(SCRIPTS.claimTick, [this.#keys(group).ticks], args)) === 1;
  }

  /** The recorded tick of each entry of the group. */
  async lastTicks(group: string): Promise<Map<string, number>> {
    const flat = (await this.#run(SCRIPTS.lastTicks, [this.#keys(group).ticks], [])) as Buffer[];
    return new Map(pairs(flat).map(([entry, tick]) => [entry, Number(tick)]));
  }

  /** Upserts the entry and bumps the version in one script. */
  async putEntry(group: string, entry: StoredEntry): Promise<void> {
    const keys = this.#keys(group);
    const value: EntryValue = { spec: entry.spec, updatedAt: entry.updatedAt };
    await this.#run(
      SCRIPTS.putEntry,
      [keys.entries, keys.version],
      [entry.name, JSON.stringify(value)],
    );
  }

  /** Deletes the entry and, when there was one, bumps the version in one script. */
  async removeEntry(group: string, name: string): Promise<boolean> {
    const keys = this.#keys(group);
    return (await this.#run(SCRIPTS.removeEntry, [keys.entries, keys.version], [name])) === 1;
  }

  /** Entries and version read by one script, so they match. */
  async entries(group: string): Promise<{ version: number; entries: StoredEntry[] }> {
    const keys = this.#keys(group);
    const [version, flat] = (await this.#run(
      SCRIPTS.readEntries,
      [keys.entries, keys.version],
      [],
    )) as [Buffer, Buffer[]];
    const entries = pairs(flat).map(([name, json]): StoredEntry => {
      const value = JSON.parse(json) as EntryValue;
      return { name, spec: value.spec, updatedAt: value.updatedAt };
    });
    return { version: Number(version.toString()), entries };
  }

  async #run(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    return script.run(await this.client(), keys, args);
  }

  #keys(group: string): BeatKeys {
    return new BeatKeys(this.prefix, group);
  }
}

/** `[k1, v1, k2, v2, …]` (an HGETALL reply in Buffers) as string pairs. */
function pairs(flat: Buffer[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push([String(flat[i]), String(flat[i + 1])]);
  }
  return out;
}
