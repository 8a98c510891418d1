import { EventEmitter } from 'node:events';
import type { Envelope } from '../envelope/envelope.ts';

/** Facts about one task, as events carry them. */
export interface TaskEvent {
  /** The task id, the same across retries. */
  id: string;
  /** The task's registered name. */
  task: string;
  /** The queue the message was sent to. */
  queue: string;
  /** Retries made before this attempt (0 on the first). */
  retries: number;
}

/** Lifecycle events of a worker, `noun:verb` named. */
export interface WorkerEventMap {
  /** The worker has started consuming its queues. */
  'worker:online': [
    {
      /** The worker's name (`celeriac@<hostname>` unless set). */
      name: string;
      /** The queues it consumes. */
      queues: string[];
      /** How many tasks it runs at once. */
      concurrency: number;
      /** The pool its handlers run in: `async`, `threads` or `process`. */
      pool: string;
    },
  ];
  /** The worker has stopped: nothing of it runs any more. */
  'worker:offline': [
    {
      /** The worker's name. */
      name: string;
    },
  ];
  /** A batch task's message joined its worker's buffer; `buffered`: how many wait now. */
  'task:buffered': [
    TaskEvent & {
      /** How many messages of this task wait in the buffer, this one included. */
      buffered: number;
    },
  ];
  /** A message was decoded and its task is registered here; it has not passed its gates yet. */
  'task:received': [
    TaskEvent & {
      /** The decoded message. */
      envelope: Envelope;
    },
  ];
  /** An attempt started; `queuedMs`: from when it was sent (or became due) to now. */
  'task:started': [
    TaskEvent & {
      /** Ms from when it was sent (or became due) to now; absent for old producers. */
      queuedMs?: number;
    },
  ];
  /** An attempt returned a value; the message is acked. */
  'task:succeeded': [
    TaskEvent & {
      /** How long the attempt ran, in ms. */
      runtimeMs: number;
    },
  ];
  /** An attempt failed and another one is scheduled. */
  'task:retried': [
    TaskEvent & {
      /** Ms until the next attempt is due. */
      delayMs: number;
      /** What the failed attempt threw. */
      error: Error;
      /** How long the failed attempt ran, in ms. */
      runtimeMs?: number;
    },
  ];
  /**
   * The task failed for good; `runtimeMs` is absent when it failed before it ran (a gate
   * refused it).
   */
  'task:failed': [
    TaskEvent & {
      /** What the last attempt threw (or the gate's refusal). */
      error: Error;
      /** Why it is final, as dead-lettered: `retries exhausted (3 of 3): …`, `rejected: …`. */
      reason: string;
      /** How long the last attempt ran, in ms. */
      runtimeMs?: number;
    },
  ];
  /** The task's `expires` passed before it started; it is acked and never runs. */
  'task:expired': [TaskEvent];
  /**
   * The task was revoked (`celeriac control revoke`): before it started, so it never runs, or
   * terminated while it ran.
   */
  'task:revoked': [
    TaskEvent & {
      /** How it was revoked, as the TaskRevoked error says it. */
      reason: string;
    },
  ];
  /** A message that cannot run here (malformed, unknown task), dead-lettered on receipt. */
  'task:rejected': [
    {
      /** The message id. */
      id: string;
      /** The queue it came from. */
      queue: string;
      /** The task it names, when it could be read. */
      task: string | undefined;
      /** Why it cannot run, as dead-lettered. */
      reason: string;
    },
  ];
  /** Flow control sent the message back to the broker until `until` (epoch ms). */
  'task:deferred': [
    TaskEvent & {
      /** When it may start, in epoch ms. */
      until: number;
      /** Which limit deferred it, in words. */
      reason: string;
      /** True for a rate limit's deferral, false for a lock's or a concurrency limit's. */
      rateLimited: boolean;
    },
  ];
  /** A reserved message went back to its queue, unchanged, for another worker: this one stops. */
  'task:released': [
    {
      /** The message id. */
      id: string;
      /** The queue it went back to. */
      queue: string;
    },
  ];
  /** A message was moved to the dead-letter queue. */
  'message:dead-lettered': [
    {
      /** The message id. */
      id: string;
      /** The queue it came from. */
      queue: string;
      /** Why, as stored with the dead letter. */
      reason: string;
    },
  ];
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
