import { performance } from 'node:perf_hooks';

/**
 * The Redis server's clock as this process last saw it. Leases and due times live on the
 * server's clock; a worker needs it only to time its naps and maintenance, so it keeps the
 * offset to its monotonic clock, learnt from the server's time in script replies, and a step
 * of its own wall clock changes nothing. Off by at most one round trip, which only moves a
 * maintenance call: the scripts decide on the server's own time.
 */
export class ServerClock {
  /** Server ms minus monotonic ms; undefined until a reply brought the server's time. */
  #offset: number | undefined;

  /** A reply carried the server's time (epoch ms). */
  observe(serverMs: number): void {
    if (Number.isFinite(serverMs) && serverMs > 0) this.#offset = serverMs - performance.now();
  }

  /** The server's time now, as best known (this process's wall clock before any reply). */
  now(): number {
    return this.#offset === undefined ? Date.now() : performance.now() + this.#offset;
  }
}

/** Monotonic ms, for intervals and deadlines that must ignore wall-clock steps. */
export function monotonicMs(): number {
  return performance.now();
}
