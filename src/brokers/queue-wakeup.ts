/**
 * Wakes reserve calls in this process that wait on a queue as soon as something is enqueued
 * there, so an in-process producer sees no poll delay. Keys are `scope` + queue, so one
 * instance can serve every broker on the same store.
 */
export class QueueWakeup {
  // Plain callback sets rather than an EventEmitter and an AbortController per wait: on the
  // latency path a wake-up is one function call, not an abort event with its DOMException.
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Notifications so far per key, so a wait can tell it missed one. */
  readonly #counts = new Map<string, number>();

  /** Wakes waiters on any of `queues` of `scope`. */
  notify(scope: string, queues: Iterable<string>): void {
    for (const queue of new Set(queues)) {
      const name = key(scope, queue);
      this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
      const waiters = this.#waiters.get(name);
      if (waiters) for (const wake of [...waiters]) wake();
    }
  }

  /**
   * A mark of the notifications seen so far on `queues`: a wait given it returns at once if one
   * came since, as when a wake-up arrives while the caller's empty reserve is still in flight.
   */
  mark(scope: string, queues: string[]): number {
    let total = 0;
    for (const queue of queues) total += this.#counts.get(key(scope, queue)) ?? 0;
    return total;
  }

  /** Sleeps `ms`, ending early when one of `queues` is notified or a signal aborts; never rejects. */
  wait(
    scope: string,
    queues: string[],
    ms: number,
    signals: (AbortSignal | undefined)[],
    since?: number,
  ): Promise<void> {
    if (ms <= 0 || signals.some((s) => s?.aborted)) return Promise.resolve();
    if (since !== undefined && this.mark(scope, queues) !== since) return Promise.resolve();
    const names = queues.map((q) => key(scope, q));
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        for (const name of names) this.#remove(name, wake);
        for (const s of signals) s?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      for (const name of names) this.#add(name, wake);
      for (const s of signals) s?.addEventListener('abort', wake, { once: true });
    });
  }

  #add(name: string, wake: () => void): void {
    const waiters = this.#waiters.get(name);
    if (waiters) waiters.add(wake);
    else this.#waiters.set(name, new Set([wake]));
  }

  #remove(name: string, wake: () => void): void {
    const waiters = this.#waiters.get(name);
    if (!waiters?.delete(wake) || waiters.size > 0) return;
    this.#waiters.delete(name);
  }
}

function key(scope: string, queue: string): string {
  return `${scope}\u0000${queue}`;
}
