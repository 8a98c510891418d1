import type { AnyCanvas } from '../canvas/canvas.ts';
import type { Duration } from '../time/duration.ts';

/** An error class or a predicate: which failures are retried automatically. */
export type RetryMatcher = (abstract new (...args: never[]) => Error) | ((error: Error) => boolean);

/** How a task is retried after a failure. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retries. */
  max: number;
  /** Delay shape: `exponential` doubles from `base`, `fixed` is always `base`, or your function. */
  backoff: 'exponential' | 'fixed' | ((attempt: number) => number);
  /** The first delay. */
  base: Duration;
  /** No delay is longer than this. */
  maxDelay: Duration;
  /** Spreads each delay over [delay/2, delay] so failed tasks do not retry in lockstep. */
  jitter: boolean;
  /** Which errors are retried without `ctx.retry()`; all errors by default. */
  autoretryFor: RetryMatcher[];
}

/** A task's key function: the same arguments as its handler, after the context. */
export type KeyOf<A extends unknown[]> = (...args: A) => string;

/**
 * A cluster-wide rate: `'70/s'`, `'100/m'`, `'0.5/s'`, or an object with one rate per `key`,
 * a `burst` (starts at once after a quiet spell, default 1) and a booking `horizon` (default 60s).
 */
export type RateLimitOption<A extends unknown[] = unknown[]> =
  | string
  | {
      /** The rate: a count above zero per s, m or h, such as `'70/s'`. */
      rate: string;
      /** One limit per key this returns, instead of one for the whole task. */
      key?: KeyOf<A>;
      /** How many may start at once after a quiet spell; default 1. */
      burst?: number;
      /** How far ahead a start is booked; a later one is deferred to book again; default 60s. */
      horizon?: Duration;
    };

/** Options that live on a task; each falls back to the app's `taskDefaults`. */
export interface TaskOptions<A extends unknown[] = never[]> {
  /** The queue this task is sent to unless the call names one. */
  queue?: string;
  /** 0 (default) to 9; higher runs first. */
  priority?: number;
  /** How failed attempts are retried; fields given here override `taskDefaults.retry`'s. */
  retry?: Partial<RetryPolicy>;
  /** Aborts `ctx.signal` with SoftTimeLimitExceeded; the handler may catch it and clean up. */
  softTimeLimit?: Duration;
  /** Fails the attempt with TimeLimitExceeded and frees its slot. */
  timeLimit?: Duration;
  /** Default expiry, counted from the moment the task is sent. */
  expires?: Duration;
  /** Do not store this task's outcome in the result backend. */
  ignoreResult?: boolean;
  /** Ack after the handler finishes (default) rather than on receipt. */
  acksLate?: boolean;
  /** Store the STARTED state when an attempt begins. */
  trackStarted?: boolean;
  /** Send failed messages to the dead-letter queue (default) rather than dropping them. */
  deadLetter?: boolean;
  /** At most this many starts across all workers together (docs/rate-limits.md). */
  rateLimit?: RateLimitOption<A>;
  /** At most one task with the same key runs at a time, cluster-wide (docs/locks.md). */
  lock?: {
    /** The lock's name, from the task's arguments: a non-empty string. */
    key: KeyOf<A>;
    /** How long the lock outlives its last renewal when its worker is gone; default the lease. */
    ttl?: Duration;
  };
  /** A second send with the same key returns the first one's id (docs/unique-tasks.md). */
  unique?: {
    /** The uniqueness key, from the task's arguments: a non-empty string. */
    key: KeyOf<A>;
    /** How long a claim may live at most: the safety net when a task is lost. */
    ttl: Duration;
    /** Hold the key until the task has ended (default), or only until it starts. */
    while?: 'queued' | 'queued-or-running';
  };
  /** At most `limit` tasks with the same key run at once, cluster-wide (docs/locks.md). */
  concurrency?: {
    /** The concurrency key, from the task's arguments: a non-empty string. */
    key: KeyOf<A>;
    /** How many tasks with the same key may run at once: a positive integer. */
    limit: number;
  };
}

/** Options of one call to `applyAsync`. */
export interface SendOptions {
  /** Delay before the task may start. */
  countdown?: Duration;
  /** The time before which the task may not start. */
  eta?: Date | string | number;
  /** A duration from now, or the time after which the task is dropped as EXPIRED. */
  expires?: Duration | Date;
  /** 0 to 9, higher runs first; overrides the task's priority. */
  priority?: number;
  /** The queue to send to, over the task's queue and the app's routes. */
  queue?: string;
  /** A task id of your own (default: a random UUID). */
  id?: string;
  /** Headers of your own, carried with the message; the handler reads them as `ctx.headers`. */
  headers?: Record<string, unknown>;
  /** Keyword arguments, for tasks called from Celery-style producers (`ctx.kwargs`). */
  kwargs?: Record<string, unknown>;
  /** Sent with this task's value when it succeeds (its first argument, unless immutable). */
  link?: AnyCanvas | AnyCanvas[];
  /** Sent with a TaskFailureInfo when this task fails for good. */
  linkError?: AnyCanvas | AnyCanvas[];
}

/** The task options with every default filled in. */
export interface ResolvedTaskOptions {
  queue: string | undefined;
  priority: number | undefined;
  retry: RetryPolicy;
  softTimeLimitMs: number | undefined;
  timeLimitMs: number | undefined;
  expiresMs: number | undefined;
  ignoreResult: boolean;
  acksLate: boolean;
  trackStarted: boolean;
  deadLetter: boolean;
  /** Flow control as given (checked at registration); each feature reads its own. */
  rateLimit: RateLimitOption<unknown[]> | undefined;
  lock: TaskOptions<unknown[]>['lock'];
  unique: TaskOptions<unknown[]>['unique'];
  concurrency: TaskOptions<unknown[]>['concurrency'];
}
