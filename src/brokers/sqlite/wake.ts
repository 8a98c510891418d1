import { EventEmitter } from 'node:events';
import { sleep } from '../../time/sleep.ts';

/**
 * Process-wide, so every broker instance on the same file in this process wakes on another's
 * enqueue; other processes are only seen by polling.
 */
const emitter = new EventEmitter().setMaxListeners(0);

function eventName(file: string, queue: string): string {
  return `${file}\u0000${queue}`;
}

/** Wakes waiters in this process that wait on any of `queues` of database `file`. */
export function notifyQueues(file: string, queues: Iterable<string>): void {
  for (const queue of new Set(queues)) emitter.emit(eventName(file, queue));
}

/** Sleeps `ms`, ending early when one of `queues` is notified or a signal aborts; never rejects. */
export async function waitForWork(
  file: string,
  queues: string[],
  ms: number,
  signals: (AbortSignal | undefined)[],
): Promise<void> {
  if (signals.some((s) => s?.aborted)) return;
  const wake = new AbortController();
  const stop = () => wake.abort();
  const names = queues.map((q) => eventName(file, q));
  for (const name of names) emitter.on(name, stop);
  for (const s of signals) s?.addEventListener('abort', stop, { once: true });
  try {
    await sleep(ms, wake.signal);
  } finally {
    for (const name of names) emitter.off(name, stop);
    for (const s of signals) s?.removeEventListener('abort', stop);
  }
}
