/**
 * Events as they travel between processes (over the broker's broadcast) and as sinks, the
 * exporter and `celeriac events` read them. Names follow the in-process `noun:verb` events.
 */

/**
 * The lifecycle of one task, in the order a task usually goes through it. `task:deferred` is a
 * start put off by a lock or a per-key concurrency limit; a rate limit's is `task:rate-limited`.
 */
export const TASK_EVENT_TYPES = [
  'task:sent',
  'task:received',
  'task:started',
  'task:succeeded',
  'task:failed',
  'task:retried',
  'task:rejected',
  'task:revoked',
  'task:expired',
  'task:rate-limited',
  'task:deferred',
] as const;
/** The type of a task event. */
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/** The lifecycle of one worker: it comes online, beats while it runs, and goes offline. */
export const WORKER_EVENT_TYPES = ['worker:online', 'worker:heartbeat', 'worker:offline'] as const;
/** The type of a worker event. */
export type WorkerEventType = (typeof WORKER_EVENT_TYPES)[number];

/** Where an event came from. */
export interface EventOrigin {
  /** The worker's node name; for `task:sent`, the producer's `hostname:pid`. */
  worker: string;
  /** The host of the process that emitted it. */
  hostname: string;
  /** The id of that process. */
  pid: number;
  /** Epoch ms when it happened. */
  timestamp: number;
}

/** One step of one task. */
export interface ClusterTaskEvent extends EventOrigin {
  /** Which step it is. */
  type: TaskEventType;
  /** The task id. */
  id: string;
  /** The task's registered name. */
  task: string;
  /** The queue the task was sent to, or came from. */
  queue: string;
  /** Retries before this attempt. */
  retries: number;
  /** `task:succeeded`, `task:failed`, `task:retried`: how long the handler ran, in ms. */
  runtimeMs?: number;
  /** `task:started`: ms from when it was sent (or due, with an eta) to this start. */
  queuedMs?: number;
  /** `task:failed`, `task:retried`: the error's class name and message. */
  exception?: {
    /** The error's class name. */
    name: string;
    /** The error's message. */
    message: string;
  };
  /** `task:failed`, `task:rejected`, `task:revoked`, `task:rate-limited`, `task:deferred`: why. */
  reason?: string;
  /** `task:retried`: ms until the next attempt. */
  delayMs?: number;
  /** `task:rate-limited`, `task:deferred`: epoch ms it may start. */
  until?: number;
  /** `task:sent`, `task:received`: the arguments, shortened to a few hundred characters. */
  argsRepr?: string;
  /** `task:sent`: the eta as epoch ms, when it has one. */
  eta?: number;
}

/** A worker going online, beating, or going offline. */
export interface ClusterWorkerEvent extends EventOrigin {
  /** Which step it is. */
  type: WorkerEventType;
  /** The queues the worker consumes. */
  queues: string[];
  /** Slots now. */
  concurrency: number;
  /** Tasks running now. */
  active: number;
  /** Tasks finished since the worker started. */
  processed: number;
  /** Where its handlers run: `async`, `threads` or `process`. */
  pool: string;
  /** `worker:heartbeat`: ms until the next beat (a worker silent for 2.5 beats is down). */
  intervalMs?: number;
}

/** Any event as it travels between processes: of a task or of a worker. */
export type ClusterEvent = ClusterTaskEvent | ClusterWorkerEvent;

/** The broadcast channel events travel on; each payload is a JSON array of events. */
export const EVENTS_CHANNEL = 'events';

/** True for the events of one task (rather than of a worker). */
export function isTaskEvent(event: ClusterEvent): event is ClusterTaskEvent {
  return event.type.startsWith('task:');
}
