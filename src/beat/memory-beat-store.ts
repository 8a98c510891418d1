import type { BeatStore, StoredEntry } from './beat-store.ts';

interface Lease {
  holder: string;
  until: number;
}

interface GroupState {
  lease: Lease | undefined;
  ticks: Map<string, number>;
  entries: Map<string, StoredEntry>;
  version: number;
}

/**
 * A BeatStore in this process's memory, for tests and single-process use. Stand-in until the
 * memory broker carries its own `broker.beat`; the clock is injectable so leases follow a fake
 * one.
 */
export class MemoryBeatStore implements BeatStore {
  private readonly groups = new Map<string, GroupState>();

  constructor(private readonly now: () => number = Date.now) {}

  async lead(group: string, holder: string, ttlMs: number): Promise<boolean> {
    const state = this.group(group);
    const now = this.now();
    const lease = state.lease;
    if (lease && lease.holder !== holder && lease.until > now) return false;
    state.lease = { holder, until: now + ttlMs };
    return true;
  }

  async resign(group: string, holder: string): Promise<void> {
    const state = this.group(group);
    if (state.lease?.holder === holder) state.lease = undefined;
  }

  async claimTick(group: string, entry: string, tick: number): Promise<boolean> {
    const ticks = this.group(group).ticks;
    const last = ticks.get(entry);
    if (last !== undefined && last >= tick) return false;
    ticks.set(entry, tick);
    return true;
  }

  async lastTicks(group: string): Promise<Map<string, number>> {
    return new Map(this.group(group).ticks);
  }

  async putEntry(group: string, entry: StoredEntry): Promise<void> {
    const state = this.group(group);
    state.entries.set(entry.name, { ...entry });
    state.version++;
  }

  async removeEntry(group: string, name: string): Promise<boolean> {
    const state = this.group(group);
    const existed = state.entries.delete(name);
    if (existed) state.version++;
    return existed;
  }

  async entries(group: string): Promise<{ version: number; entries: StoredEntry[] }> {
    const state = this.group(group);
    return { version: state.version, entries: [...state.entries.values()].map((e) => ({ ...e })) };
  }

  private group(name: string): GroupState {
    let state = this.groups.get(name);
    if (!state) {
      state = { lease: undefined, ticks: new Map(), entries: new Map(), version: 0 };
      this.groups.set(name, state);
    }
    return state;
  }
}
