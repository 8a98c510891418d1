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

/** One delivery of a rate-limited message asking to start. */
export interface RateRequest {
  /** Starts further ahead than this are not booked (the message asks again then). */
  horizonMs: number;
  /** A start this close ahead is admitted (the worker waits for it) rather than booked. */
  holdMs: number;
  /**
   * True when the message carries a booking for this attempt: it asks for an actual start
   * ahead of the queue of bookings, and books again when none is free.
   */
  booked: boolean;
  /** The store's clock (epoch ms); defaults to the store's own (Redis `TIME`); tests pass one. */
  now?: number;
}

/** What the store decided for one delivery, on the store's clock. */
export interface RateAdmission {
  /**
   * `'start'`: admitted, to start at `at` (now, or within the hold). `'booked'`: a start is
   * booked at `at`: come back then carrying the booking. `'full'`: nothing free within the
   * horizon: come back at `at` (now + horizon) without a booking.
   */
  kind: 'start' | 'booked' | 'full';
  /** Epoch ms on the store's clock. */
  at: number;
  /** The store's clock when it decided: `at - now` is the wait, whatever the caller's clock. */
  now: number;
  /**
   * On a start, the interval between starts of the limit that decided (the override's when one
   * is set); absent when the limit is off. A worker that begins the start later than half of
   * it asks again rather than bunching with the next start.
   */
  intervalMs?: number;
}

/**
 * Cluster-wide rate limits, kept atomically in the broker: every worker asks the same state
 * (GCRA on actual starts, and a second GCRA that books when to come back), so the limit holds
 * for all of them together.
 */
export interface RateStore {
  /**
   * Decides one delivery of `key` of `task` under `limit`, or under the task's runtime override
   * when one is set: admits its start, books a later one, or finds none within the horizon.
   */
  admit(task: string, key: string, limit: RateLimit, request: RateRequest): Promise<RateAdmission>;
  /** Sets a task's limit for the whole cluster, or with `null` returns it to its code's. */
  setOverride(task: string, override: RateOverride | null): Promise<void>;
  /** The runtime overrides, by task name. */
  overrides(): Promise<Map<string, RateOverride>>;
}
