/** The outcome of asking for a slot. */
export type SlotClaim =
  | {
      /** The slot is the holder's now. */
      acquired: true;
    }
  /** Refused: every slot of the key is held by others. */
  | {
      /** No slot was taken. */
      acquired: false;
      /** When the first current hold expires unless renewed (epoch ms, caller's clock). */
      retryAt: number;
    };

/** One slot held by one holder, renewed for `ttlMs` at a time. */
export interface SlotHold {
  /** The lock or concurrency key the slot belongs to. */
  key: string;
  /** Who holds it: one holder per reserved delivery. */
  holder: string;
  /** How long each renewal keeps the hold live, in ms. */
  ttlMs: number;
}

/**
 * Counted slots per key across the cluster: at most `limit` holders of a key at once (a lock
 * is a limit of 1). A holder's slot expires `ttlMs` after its last renewal, so a dead worker's
 * slots come free on their own. A hold is live while `now < expiry`.
 *
 * `now` is for tests: without it each store reads its own clock (Redis reads the server's
 * TIME, so workers with skewed clocks still agree on expiries).
 */
export interface SlotStore {
  /**
   * Takes a slot of `key` for `holder` when fewer than `limit` live holds exist, or refreshes
   * the holder's own hold; atomic. Expired holds are dropped first.
   */
  acquire(
    key: string,
    limit: number,
    holder: string,
    ttlMs: number,
    now?: number,
  ): Promise<SlotClaim>;
  /**
   * Pushes the expiry of each still-live hold `ttlMs` past now; returns how many were live.
   * An expired hold is not revived (another holder may have its slot by now).
   */
  renew(holds: readonly SlotHold[], now?: number): Promise<number>;
  /** Gives back `holder`'s slot of `key`; another holder's slot is never touched. */
  release(key: string, holder: string): Promise<void>;
}
