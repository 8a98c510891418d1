import { EventEmitter } from 'node:events';
import type { Envelope } from '../envelope/envelope.ts';

/** Facts about one task, as events carry them. */
export interface TaskEvent {
  id: string;
  task: string;
  queue: string;
  retries: number;
}

/** Lifecycle events of a worker, `noun:verb` named. */
export interface WorkerEventMap {
  'worker:online': [{ name: string; queues: string[]; concurrency: number; pool: string }];
  'worker:offline': [{ name: string }];
  /** A batch task's message joined its worker's buffer; `buffered`: how many wait now. */
  'task:buffered': [TaskEvent & { buffered: number }];
  /** A message was decoded and its task is registered here; it has not passed its gates yet. */
  'task:received': [TaskEvent & { envelope: Envelope }];
  /** `queuedMs`: from when it was sent (or became due) to now. */
  'task:started': [TaskEvent & { queuedMs?: number }];
  'task:succeeded': [TaskEvent & { runtimeMs: number }];
  'task:retried': [TaskEvent & { delayMs: number; error: Error; runtimeMs?: number }];
  /** `runtimeMs` is absent when the task failed before it ran (a gate refused it). */
  'task:failed': [TaskEvent & { error: Error; reason: string; runtimeMs?: number }];
  'task:expired': [TaskEvent];
  /** The task was revoked (`celeriac control revoke`) before it started; it never runs. */
  'task:revoked': [TaskEvent & { reason: string }];
  /** A message that cannot run here (malformed, unknown task), dead-lettered on receipt. */
  'task:rejected': [{ id: string; queue: string; task: string | undefined; reason: string }];
  /** Flow control sent the message back to the broker until `until` (epoch ms). */
  'task:deferred': [TaskEvent & { until: number; reason: string; rateLimited: boolean }];
  'task:released': [{ id: string; queue: string }];
  'message:dead-lettered': [{ id: string; queue: string; reason: string }];
}

/** A typed emitter whose throwing listeners are isolated from the worker. */
export class WorkerEvents extends EventEmitter<WorkerEventMap> {
  constructor(private readonly onListenerError: (error: unknown, event: string) => void) {
    super();
  }

  /** Whether anything listens to `event`: lets callers skip building a payload nobody reads. */
  listens(event: keyof WorkerEventMap): boolean {
    return this.listenerCount(event) > 0;
  }

  /** Calls every listener, each isolated: one that throws is logged and the others still run. */
  emitSafely<K extends keyof WorkerEventMap>(event: K, ...args: WorkerEventMap[K]): void {
    for (const listener of this.rawListeners(event as never) as Array<(...a: unknown[]) => void>) {
      try {
        listener(...args);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }
}
