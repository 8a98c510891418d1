/** A schedule entry as stored in the broker, so every scheduler sees the same set. */
export interface StoredEntry {
  /** The entry's name, unique in its group. */
  name: string;
  /** The entry as JSON (schedule, signature, options); the scheduler validates it on read. */
  spec: string;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

/**
 * What the periodic-task scheduler keeps in the broker: who leads, which ticks fired, and the
 * entries added at run time. Every operation is atomic across processes.
 */
export interface BeatStore {
  /**
   * Takes or keeps the leadership of `group` for `holder` until `ttlMs` after now; true when
   * `holder` leads after the call (it took a free or expired lease, or renewed its own).
   */
  lead(group: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the leadership up, when `holder` has it. */
  resign(group: string, holder: string): Promise<void>;
  /**
   * Records that entry `entry` fired for the tick at `tick` (epoch ms), only when no later or
   * equal tick was recorded, or when the recorded one is exactly `replacing` (a tick the caller
   * found too far ahead of its clock, so from another clock, which it rebases on its own);
   * returns false (recording nothing) otherwise. This is what makes a tick fire once even if
   * two schedulers believed they led at the same moment.
   */
  claimTick(group: string, entry: string, tick: number, replacing?: number): Promise<boolean>;
  /** The last recorded tick of each entry (epoch ms). */
  lastTicks(group: string): Promise<Map<string, number>>;
  /** Adds or replaces an entry added at run time. */
  putEntry(group: string, entry: StoredEntry): Promise<void>;
  /** Removes an entry added at run time; true when it existed. */
  removeEntry(group: string, name: string): Promise<boolean>;
  /** Entries added at run time, with a version that changes whenever they change. */
  entries(group: string): Promise<{
    /** Changes whenever an entry of the group is put or removed. */
    version: number;
    /** The group's run-time entries. */
    entries: StoredEntry[];
  }>;
}
