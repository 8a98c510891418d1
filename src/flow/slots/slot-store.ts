/** The outcome of asking for a slot. */
export type SlotClaim = { acquired: true } | { acquired: false; retryAt: number };

/**
 * Counted slots per key across the cluster: at most `limit` holders of a key at once (a lock
 * is a limit of 1). A holder's slot expires `ttlMs` after its last renewal, so a dead worker's
 * slots come free on their own.
 */
export interface SlotStore {
  /** Takes a slot of `key` for `holder` when fewer than `limit` are held; atomic. */
  acquire(
    key: string,
    limit: number,
    holder: string,
    ttlMs: number,
    now: number,
  ): Promise<SlotClaim>;
  /** Pushes the expiry of each held slot `ttlMs` past `now`; returns how many were still held. */
  renew(holds: Array<{ key: string; holder: string }>, ttlMs: number, now: number): Promise<number>;
  /** Gives a slot back. */
  release(key: string, holder: string): Promise<void>;
}
