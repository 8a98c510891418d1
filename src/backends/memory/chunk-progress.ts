import type { ChunkProgress } from '../workflow-store.ts';

interface Entry {
  progress: ChunkProgress;
  /** Epoch ms after which the entry is gone; Infinity when it never expires. */
  expiresAt: number;
}

/**
 * Chunked-task progress for the memory backend. Every method runs to completion without
 * awaiting, so a compare-and-set cannot interleave with another one in this process.
 */
export class MemoryProgressStore {
  private readonly entries = new Map<string, Entry>();

  /** A copy of the live progress under `key`, or undefined when absent or expired. */
  read(key: string): ChunkProgress | undefined {
    const entry = this.live(key, Date.now());
    return entry && { ...entry.progress };
  }

  /** Stores `next` when the live progress is at `fromStep` (or absent and `fromStep` is 0). */
  commit(key: string, fromStep: number, next: ChunkProgress, ttlMs: number): boolean {
    const now = Date.now();
    const current = this.live(key, now);
    // Absent progress counts as step 0, so only the first chunk's run may create it.
    if ((current?.progress.step ?? 0) !== fromStep) return false;
    this.entries.set(key, { progress: { ...next }, expiresAt: ttlMs > 0 ? now + ttlMs : Infinity });
    return true;
  }

  /** The entry unless it has expired (an expired one is dropped on the way). */
  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
