import { EventEmitter } from 'node:events';
import { sleep } from '../time/sleep.ts';

/**
 * Wakes reserve calls in this process that wait on a queue as soon as something is enqueued
 * there, so an in-process producer sees no poll delay. Keys are `scope` + queue, so one
 * instance can serve every broker on the same store.
 */
export class QueueWakeup {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** Notifications so far per key, so a wait can tell it missed one. */
  private readonly counts = new Map<string, number>();

  /** Wakes waiters on any of `queues` of `scope`. */
  notify(scope: string, queues: Iterable<string>): void {
    for (const queue of new Set(queues)) {
      const name = key(scope, queue);
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      this.emitter.emit(name);
    }
  }

  /**
   * A mark of the notifications seen so far on `queues`: a wait given it returns at once if one
   * came since, as when a wake-up arrives while the caller's empty reserve is still in flight.
   */
  mark(scope: string, queues: string[]): number {
    let total = 0;
    for (const queue of queues) total += this.counts.get(key(scope, queue)) ?? 0;
    return total;
  }

  /** Sleeps `ms`, ending early when one of `queues` is notified or a signal aborts; never rejects. */
  async wait(
    scope: string,
    queues: string[],
    ms: number,
    signals: (AbortSignal | undefined)[],
    since?: number,
  ): Promise<void> {
    if (signals.some((s) => s?.aborted)) return;
    if (since !== undefined && this.mark(scope, queues) !== since) return;
    const wake = new AbortController();
    const stop = () => wake.abort();
    const names = queues.map((q) => key(scope, q));
    for (const name of names) this.emitter.on(name, stop);
    for (const s of signals) s?.addEventListener('abort', stop, { once: true });
    try {
      await sleep(ms, wake.signal);
    } finally {
      for (const name of names) this.emitter.off(name, stop);
      for (const s of signals) s?.removeEventListener('abort', stop);
    }
  }
}

function key(scope: string, queue: string): string {
  return `${scope}\u0000${queue}`;
}
