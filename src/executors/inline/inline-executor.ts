import type { Executor } from '../executor.ts';

/**
 * Runs async handlers in this process, at most `size` at once. Good for IO-bound work; a
 * CPU-bound handler blocks every other slot, and a handler that ignores its abort signal
 * cannot be stopped here.
 */
export class InlineExecutor implements Executor {
  #size: number;
  private running = 0;
  private waiters: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.#size = size;
  }

  /** Number of slots. */
  get size(): number {
    return this.#size;
  }

  /** Changes the number of slots; running jobs past a smaller size finish undisturbed. */
  resize(size: number): void {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.#size = size;
    this.wakeAll();
  }

  /** Slots in use. */
  get active(): number {
    return this.running;
  }

  /** Resolves when a slot is free, or when `signal` aborts. */
  waitForSlot(signal: AbortSignal): Promise<void> {
    if (this.running < this.#size || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /** Runs `job` in a slot and frees the slot when it settles. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.wakeAll();
    }
  }

  /** Resolves true once no job runs, or false after `timeoutMs` or on abort. */
  drain(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(true);
    // An abort event never fires for a signal that is already aborted (as after stopNow()).
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(drained);
      };
      const check = () => {
        if (this.running === 0) finish(true);
        else this.waiters.push(check);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(check);
    });
  }

  /** Nothing to release: jobs are promises of this process. */
  async close(): Promise<void> {}

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
