import type { SlotClaim, SlotHold, SlotStore } from '../contract/slot-store.ts';

/** Slots in this process's memory: holder → expiry (epoch ms), per key. */
export class MemorySlotStore implements SlotStore {
  readonly #keys = new Map<string, Map<string, number>>();

  /** Takes or refreshes a slot when the key has room. */
  async acquire(
    key: string,
    limit: number,
    holder: string,
    ttlMs: number,
    now = Date.now(),
  ): Promise<SlotClaim> {
    const holders = this.#live(key, now);
    if (holders.has(holder) || holders.size < limit) {
      holders.set(holder, now + ttlMs);
      this.#keys.set(key, holders);
      return { acquired: true };
    }
    return { acquired: false, retryAt: Math.min(...holders.values()) };
  }

  /** Extends the live holds among `holds`. */
  async renew(holds: readonly SlotHold[], now = Date.now()): Promise<number> {
    let kept = 0;
    for (const { key, holder, ttlMs } of holds) {
      const holders = this.#live(key, now);
      if (!holders.has(holder)) continue;
      holders.set(holder, now + ttlMs);
      kept++;
    }
    return kept;
  }

  /** Drops this holder's slot only. */
  async release(key: string, holder: string): Promise<void> {
    const holders = this.#keys.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.#keys.delete(key);
  }

  /** The key's holders after dropping expired ones. */
  #live(key: string, now: number): Map<string, number> {
    const holders = this.#keys.get(key) ?? new Map<string, number>();
    for (const [holder, expiresAt] of holders) if (expiresAt <= now) holders.delete(holder);
    if (holders.size === 0) this.#keys.delete(key);
    return holders;
  }
}
