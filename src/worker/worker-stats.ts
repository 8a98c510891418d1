import type { WorkerEvents } from '../events/worker-events.ts';

/** Counts of what a worker did since it started. */
export interface WorkerStats {
  started: number;
  succeeded: number;
  retried: number;
  failed: number;
  expired: number;
  deadLettered: number;
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
