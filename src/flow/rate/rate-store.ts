/** A rate: `count` starts per `perMs` milliseconds, `burst` of them at once (default 1). */
export interface RateLimit {
  /** Starts allowed per period. */
  count: number;
  /** The period, in ms. */
  perMs: number;
  /** How many may start at once after a quiet spell; default 1. */
  burst?: number;
}

/** A limit set at runtime for the whole cluster: a rate, or `'off'` (no limit). */
export type RateOverride = RateLimit | 'off';

/** When a rate-limited message may start. */
export interface RateBooking {
  /** Epoch ms on the store's clock; `now` (or earlier) when it may start at once. */
  at: number;
  /** True when the start at `at` is reserved for this message (it must not book again). */
  booked: boolean;
  /** The store's clock when it booked: `at - now` is the wait, whatever the caller's clock. */
  now: number;
}

/**
 * Cluster-wide rate limits, kept atomically in the broker (GCRA): every worker books starts
 * against the same state, so the limit holds for all of them together.
 */
export interface RateStore {
  /**
   * Books the next start for `key` of `task` under `limit`, or under the task's runtime
   * override when one is set. A start further than `horizonMs` ahead is not booked: then
   * `at` is `now + horizonMs`, when to ask again, and `booked` is false. `now` defaults to
   * the store's own clock (Redis `TIME`); tests pass a fake one.
   */
  book(
    task: string,
    key: string,
    limit: RateLimit,
    horizonMs: number,
    now?: number,
  ): Promise<RateBooking>;
  /** Sets a task's limit for the whole cluster, or with `null` returns it to its code's. */
  setOverride(task: string, override: RateOverride | null): Promise<void>;
  /** The runtime overrides, by task name. */
  overrides(): Promise<Map<string, RateOverride>>;
}
