import { EventEmitter } from 'node:events';

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
  'task:started': [TaskEvent];
  'task:succeeded': [TaskEvent & { runtimeMs: number }];
  'task:retried': [TaskEvent & { delayMs: number; error: Error }];
  'task:failed': [TaskEvent & { error: Error; reason: string }];
  'task:expired': [TaskEvent];
  /** Flow control sent the message back to the broker until `until` (epoch ms). */
  'task:deferred': [TaskEvent & { until: number; reason: string }];
  'task:released': [{ id: string; queue: string }];
  'message:dead-lettered': [{ id: string; queue: string; reason: string }];
}

/** A typed emitter whose throwing listeners are isolated from the worker. */
export class WorkerEvents extends EventEmitter<WorkerEventMap> {
  constructor(private readonly onListenerError: (error: unknown, event: string) => void) {
    super();
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
