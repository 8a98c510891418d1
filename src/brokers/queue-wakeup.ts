import { EventEmitter } from 'node:events';
import { sleep } from '../time/sleep.ts';

/**
 * Wakes reserve calls in this process that wait on a queue as soon as something is enqueued
 * there, so an in-process producer sees no poll delay. Keys are `scope` + queue, so one
 * instance can serve every broker on the same store.
 */
export class QueueWakeup {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** Wakes waiters on any of `queues` of `scope`. */
  notify(scope: string, queues: Iterable<string>): void {
    for (const queue of new Set(queues)) this.emitter.emit(key(scope, queue));
  }

  /** Sleeps `ms`, ending early when one of `queues` is notified or a signal aborts; never rejects. */
  async wait(
    scope: string,
    queues: string[],
    ms: number,
    signals: (AbortSignal | undefined)[],
  ): Promise<void> {
    if (signals.some((s) => s?.aborted)) return;
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
