/**
 * A latch a waiter sleeps on between two reads: `set` wakes the sleeper, or the next `sleep`
 * when nobody sleeps yet, so a notification that lands during a read is never lost.
 */
export class Wakeup {
  private pending = false;
  private wake: (() => void) | undefined;

  /** Wakes the current sleeper, or marks the latch so the next `sleep` returns at once. */
  set(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Forgets an earlier `set`; call it right before the read it would make redundant. */
  clear(): void {
    this.pending = false;
  }

  /** Resolves after `ms`, on `set`, or when `signal` aborts, whichever comes first. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
