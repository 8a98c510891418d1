import type { WorkerEvents } from '../events/worker-events.ts';

/** Counts of what a worker did since it started. */
export interface WorkerStats {
  /** Attempts started (each retry counts again; each item of a batch counts). */
  started: number;
  /** Attempts that returned a value. */
  succeeded: number;
  /** Attempts that failed with another attempt scheduled. */
  retried: number;
  /** Tasks that failed for good, including those a gate refused before they ran. */
  failed: number;
  /** Tasks never run because their `expires` passed before they started. */
  expired: number;
  /**
   * Messages moved to the dead-letter queue: tasks that failed for good (with `deadLetter` on)
   * and messages that cannot run here (malformed, or of an unknown task).
   */
  deadLettered: number;
  /**
   * Messages handed back to their queue, unchanged, for another worker at shutdown: buffered
   * batch items, and tasks still running when the shutdown timeout ran out (or on `stopNow`).
   */
  released: number;
}

/** Keeps counters current from the worker's own events. */
export function countEvents(events: WorkerEvents): WorkerStats {
  const stats: WorkerStats = {
    started: 0,
    succeeded: 0,
    retried: 0,
    failed: 0,
    expired: 0,
    deadLettered: 0,
    released: 0,
  };
  events.on('task:started', () => stats.started++);
  events.on('task:succeeded', () => stats.succeeded++);
  events.on('task:retried', () => stats.retried++);
  events.on('task:failed', () => stats.failed++);
  events.on('task:expired', () => stats.expired++);
  events.on('task:released', () => stats.released++);
  events.on('message:dead-lettered', () => stats.deadLettered++);
  return stats;
}
