import type { BeatStore, StoredEntry } from '../contract/beat-store.ts';

interface Lease {
  holder: string;
  /** Epoch ms; the lease is live while now < expiresAt. */
  expiresAt: number;
}

interface BeatGroup {
  lease?: Lease;
  ticks: Map<string, number>;
  entries: Map<string, StoredEntry>;
  version: number;
}

/** The scheduler's state in this process's memory, one record per group. */
export class MemoryBeatStore implements BeatStore {
  readonly #groups = new Map<string, BeatGroup>();

  /** `now` is injectable so tests can move leases on a fake clock. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Takes a free or expired lease, or renews the holder's own. */
  async lead(group: string, holder: string, ttlMs: number): Promise<boolean> {
    const g = this.#group(group);
    const now = this.now();
    if (g.lease && g.lease.holder !== holder && now < g.lease.expiresAt) return false;
    g.lease = { holder, expiresAt: now + ttlMs };
    return true;
  }

  /** Drops the lease when `holder` has it. */
  async resign(group: string, holder: string): Promise<void> {
    const g = this.#group(group);
    if (g.lease?.holder === holder) g.lease = undefined;
  }

  /** Records `tick` when it is later than the entry's last one, or that one is `replacing`. */
  async claimTick(
    group: string,
    entry: string,
    tick: number,
    replacing?: number,
  ): Promise<boolean> {
    const ticks = this.#group(group).ticks;
    const last = ticks.get(entry);
    if (last !== undefined && last >= tick && last !== replacing) return false;
    ticks.set(entry, tick);
    return true;
  }

  /** A copy, so callers cannot change the store through it. */
  async lastTicks(group: string): Promise<Map<string, number>> {
    return new Map(this.#group(group).ticks);
  }

  /** Stores a copy of the entry and bumps the version. */
  async putEntry(group: string, entry: StoredEntry): Promise<void> {
    const g = this.#group(group);
    g.entries.set(entry.name, { ...entry });
    g.version += 1;
  }

  /** Bumps the version only when the entry existed. */
  async removeEntry(group: string, name: string): Promise<boolean> {
    const g = this.#group(group);
    if (!g.entries.delete(name)) return false;
    g.version += 1;
    return true;
  }

  /** Copies of the entries with the current version. */
  async entries(group: string): Promise<{
    /** Changes whenever an entry of the group is put or removed. */
    version: number;
    /** The group's run-time entries. */
    entries: StoredEntry[];
  }> {
    const g = this.#group(group);
    return { version: g.version, entries: [...g.entries.values()].map((e) => ({ ...e })) };
  }

  #group(group: string): BeatGroup {
    let g = this.#groups.get(group);
    if (!g) {
      g = { ticks: new Map(), entries: new Map(), version: 0 };
      this.#groups.set(group, g);
    }
    return g;
  }
}
