/** A rate: `count` starts per `perMs` milliseconds. */
export interface RateLimit {
  count: number;
  perMs: number;
}

/** When a rate-limited message may start. */
export interface RateBooking {
  /** Epoch ms; `now` when it may start at once. */
  at: number;
  /** True when the start at `at` is reserved for this message (it must not book again). */
  booked: boolean;
}

/**
 * Cluster-wide rate limits, kept atomically in the broker (GCRA): every worker books starts
 * against the same state, so the limit holds for all of them together.
 */
export interface RateStore {
  /**
   * Books the next start for `key` of `task` under `limit`, or under the task's runtime
   * override when one is set. A start further than `horizonMs` ahead is not booked: then
   * `at` is when to ask again and `booked` is false.
   */
  book(
    task: string,
    key: string,
    limit: RateLimit,
    now: number,
    horizonMs: number,
  ): Promise<RateBooking>;
  /** Sets a task's limit for the whole cluster, or with `null` returns it to its code's. */
  setOverride(task: string, limit: RateLimit | null): Promise<void>;
  /** The runtime overrides, by task name. */
  overrides(): Promise<Map<string, RateLimit>>;
}
