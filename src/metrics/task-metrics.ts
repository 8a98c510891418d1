import { Counter, Histogram, Registry } from 'prom-client';
import {
  type ClusterEvent,
  type ClusterTaskEvent,
  TASK_EVENT_TYPES,
  type TaskEventType,
} from '../events/cluster-event.ts';
import { LabelCap, OTHER_LABEL } from './label-cap.ts';

/**
 * Seconds, from a few milliseconds to an hour: task queues hold both quick jobs and long
 * reports, and queue waits stretch to minutes when a backlog builds.
 */
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/** Caps on distinct label values; past them values fold into `other`. */
export interface LabelLimits {
  /** Task names; default 1000. */
  tasks?: number;
  /** Queue names; default 200. */
  queues?: number;
  /** Error class names; default 200. */
  exceptions?: number;
  /**
   * Task-and-queue and task-and-exception pairs, each; default 2000. Past it the queue (or
   * exception) of a new pair folds into `other`, so series stay near tasks × states.
   */
  pairs?: number;
}

/** Where task metrics register, and how many label values they keep. */
export interface TaskMetricsOptions {
  /** The registry to register on; a new one by default (never prom-client's global one). */
  registry?: Registry;
  /** Caps on distinct task, queue and error names, so a flood of names cannot grow series. */
  limits?: LabelLimits;
}

const KNOWN_TYPES = new Set<string>(TASK_EVENT_TYPES);

/**
 * Task counters and histograms fed by ClusterEvents: what a worker's own events or the
 * cluster's event stream say about tasks, by task, queue and state.
 */
export class TaskMetrics {
  /** The registry the metrics are registered on. */
  readonly registry: Registry;
  readonly #tasks: Counter<'task' | 'queue' | 'state'>;
  readonly #runtime: Histogram<'task' | 'queue'>;
  readonly #queueTime: Histogram<'task' | 'queue'>;
  readonly #exceptions: Counter<'task' | 'exception'>;
  readonly #retries: Counter<'task'>;
  readonly #deferrals: Counter<'task'>;
  readonly #malformed: Counter;
  readonly #taskNames: LabelCap;
  readonly #queueNames: LabelCap;
  readonly #exceptionNames: LabelCap;
  readonly #taskQueues: LabelCap;
  readonly #taskExceptions: LabelCap;

  constructor(options: TaskMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    this.#tasks = new Counter({
      name: 'celeriac_tasks_total',
      help: 'Task events by task, queue and state (sent, received, started, succeeded, ...).',
      labelNames: ['task', 'queue', 'state'],
      registers,
    });
    this.#runtime = new Histogram({
      name: 'celeriac_task_runtime_seconds',
      help: 'How long task handlers ran (succeeded, failed and retried attempts).',
      labelNames: ['task', 'queue'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#queueTime = new Histogram({
      name: 'celeriac_task_queue_time_seconds',
      help: 'How long tasks waited from being sent (or due) to starting.',
      labelNames: ['task', 'queue'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#exceptions = new Counter({
      name: 'celeriac_task_exceptions_total',
      help: 'Errors raised by task handlers (failed and retried attempts), by error class.',
      labelNames: ['task', 'exception'],
      registers,
    });
    this.#retries = new Counter({
      name: 'celeriac_task_retries_total',
      help: 'Attempts that ended in a retry.',
      labelNames: ['task'],
      registers,
    });
    this.#deferrals = new Counter({
      name: 'celeriac_rate_limit_deferrals_total',
      help: 'Tasks put back until later by their rate limit.',
      labelNames: ['task'],
      registers,
    });
    this.#malformed = new Counter({
      name: 'celeriac_events_malformed_total',
      help: 'Events skipped because they were not task or worker events of a known shape.',
      registers,
    });
    const folded = new Counter({
      name: 'celeriac_metric_labels_folded_total',
      help: 'Events whose label value was folded into "other" because the label hit its cap.',
      labelNames: ['label'],
      registers,
    });
    const limits = options.limits ?? {};
    this.#taskNames = new LabelCap(limits.tasks ?? 1000, () => folded.inc({ label: 'task' }));
    this.#queueNames = new LabelCap(limits.queues ?? 200, () => folded.inc({ label: 'queue' }));
    const foldQueue = () => folded.inc({ label: 'queue' });
    const foldException = () => folded.inc({ label: 'exception' });
    this.#exceptionNames = new LabelCap(limits.exceptions ?? 200, foldException);
    this.#taskQueues = new LabelCap(limits.pairs ?? 2000, foldQueue);
    this.#taskExceptions = new LabelCap(limits.pairs ?? 2000, foldException);
  }

  /** Counts one event; worker events are ignored here and malformed ones only counted. */
  record(event: ClusterEvent): void {
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      this.#malformed.inc();
      return;
    }
    if (event.type.startsWith('worker:')) return;
    if (!isWellFormedTaskEvent(event)) {
      this.#malformed.inc();
      return;
    }
    const task = this.#taskNames.value(event.task);
    const queue = this.#pairedValue(this.#taskQueues, task, this.#queueNames.value(event.queue));
    this.#tasks.inc({ task, queue, state: stateOf(event.type) });
    this.#observeDurations(event, task, queue);
    if (event.type === 'task:retried') this.#retries.inc({ task });
    if (event.type === 'task:rate-limited') this.#deferrals.inc({ task });
    if ((event.type === 'task:failed' || event.type === 'task:retried') && event.exception) {
      const name = typeof event.exception.name === 'string' ? event.exception.name : 'Error';
      const exception = this.#exceptionNames.value(name);
      this.#exceptions.inc({
        task,
        exception: this.#pairedValue(this.#taskExceptions, task, exception),
      });
    }
  }

  /** `value` while the pair (task, value) fits under `pairs`, else `other`. */
  #pairedValue(pairs: LabelCap, task: string, value: string): string {
    if (value === OTHER_LABEL) return value;
    return pairs.admit(`${task}\u0000${value}`) ? value : OTHER_LABEL;
  }

  #observeDurations(event: ClusterTaskEvent, task: string, queue: string): void {
    const ended = ['task:succeeded', 'task:failed', 'task:retried'].includes(event.type);
    if (ended && isDuration(event.runtimeMs))
      this.#runtime.observe({ task, queue }, event.runtimeMs / 1000);
    if (event.type === 'task:started' && isDuration(event.queuedMs))
      this.#queueTime.observe({ task, queue }, event.queuedMs / 1000);
  }
}

/** The `state` label of an event type: the type without `task:`. */
function stateOf(type: TaskEventType): string {
  return type.slice('task:'.length);
}

function isWellFormedTaskEvent(event: ClusterEvent): event is ClusterTaskEvent {
  const candidate = event as Partial<ClusterTaskEvent>;
  return (
    KNOWN_TYPES.has(event.type) &&
    typeof candidate.task === 'string' &&
    candidate.task !== '' &&
    typeof candidate.queue === 'string' &&
    candidate.queue !== ''
  );
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
