/**
 * Runs jobs in a bounded number of slots. The worker reserves only for free slots, so it never
 * holds a message it has no slot for.
 */
export interface Executor {
  /** Number of slots. */
  readonly size: number;
  /** Slots in use. */
  readonly active: number;
  /** Resolves when a slot is free, or when `signal` aborts. */
  waitForSlot(signal: AbortSignal): Promise<void>;
  /** Runs `job` in a slot. Call only when `active` is below `size`. */
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Resolves true once no job runs, or false after `timeoutMs` or when `signal` aborts. */
  drain(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Releases what the executor holds; the worker calls it last, after draining. */
  close(): Promise<void>;
  /** Changes the number of slots (autoscale); executors that cannot leave it out. */
  resize?(size: number): void;
}
