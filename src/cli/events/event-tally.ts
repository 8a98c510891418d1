import type { WorkerInfo } from '../../brokers/contract/worker-registry.ts';
import {
  type ClusterEvent,
  type ClusterTaskEvent,
  type ClusterWorkerEvent,
  isTaskEvent,
  TASK_EVENT_TYPES,
  type TaskEventType,
} from '../../events/cluster-event.ts';

/** A worker's beat interval when its events do not say (they do from `worker:heartbeat`). */
export const DEFAULT_HEARTBEAT_MS = 2000;
/** A worker is silent after this many beat intervals without a heartbeat. */
export const SILENT_AFTER_BEATS = 2.5;

export type WorkerStatus = 'online' | 'offline' | 'silent';

/** One worker as the view shows it. */
export interface WorkerRow {
  name: string;
  queues: string[];
  active: number;
  concurrency: number;
  processed: number;
  /** Epoch ms of its last sign of life (an online or heartbeat event, or its registry record). */
  lastHeartbeatAt: number;
  status: WorkerStatus;
}

/** Failures of one task with one exception. */
export interface FailureRow {
  task: string;
  exception: string;
  count: number;
  /** The message of the latest one. */
  lastMessage: string;
}

/** Everything the live view draws, at one moment. */
export interface TallySnapshot {
  startedAt: number;
  now: number;
  eventsSeen: number;
  /** Task events per second by type over the last closed interval (zero before the first). */
  rates: Record<TaskEventType, number>;
  /** Task events by type since the view started. */
  totals: Record<TaskEventType, number>;
  /** Most frequent first. */
  failures: FailureRow[];
  /** By name. */
  workers: WorkerRow[];
}

interface WorkerState extends Omit<WorkerRow, 'status'> {
  intervalMs: number;
  offline: boolean;
}

const zeroes = (): Record<TaskEventType, number> =>
  Object.fromEntries(TASK_EVENT_TYPES.map((type) => [type, 0])) as Record<TaskEventType, number>;

/**
 * What `celeriac events` knows about the cluster, built from the events it hears: counts by
 * state, rates over the last interval, failures by task and exception, and the workers. Pure:
 * the caller passes the clock in.
 */
export class EventTally {
  readonly #startedAt: number;
  readonly #totals = zeroes();
  #window = zeroes();
  #windowStart: number;
  #rates = zeroes();
  #eventsSeen = 0;
  readonly #failures = new Map<string, FailureRow>();
  readonly #workers = new Map<string, WorkerState>();

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
    this.#windowStart = startedAt;
  }

  /** Counts one event. */
  add(event: ClusterEvent): void {
    this.#eventsSeen++;
    if (isTaskEvent(event)) this.#addTask(event);
    else this.#addWorker(event);
  }

  /** Adds workers from the broker's registry that no event has described yet. */
  addWorkers(infos: readonly WorkerInfo[]): void {
    for (const info of infos) {
      if (this.#workers.has(info.name)) continue;
      this.#workers.set(info.name, {
        name: info.name,
        queues: [...info.queues],
        active: info.active,
        concurrency: info.concurrency,
        processed: info.processed,
        lastHeartbeatAt: info.heartbeatAt,
        intervalMs: DEFAULT_HEARTBEAT_MS,
        offline: false,
      });
    }
  }

  /** Closes the current interval at `now`: its counts become the rates the view shows. */
  roll(now: number): void {
    const seconds = (now - this.#windowStart) / 1000;
    for (const type of TASK_EVENT_TYPES)
      this.#rates[type] = seconds > 0 ? this.#window[type] / seconds : 0;
    this.#window = zeroes();
    this.#windowStart = now;
  }

  /** The state at `now` (a copy). */
  snapshot(now: number): TallySnapshot {
    return {
      startedAt: this.#startedAt,
      now,
      eventsSeen: this.#eventsSeen,
      rates: { ...this.#rates },
      totals: { ...this.#totals },
      failures: [...this.#failures.values()]
        .map((row) => ({ ...row }))
        .sort((a, b) => b.count - a.count || a.task.localeCompare(b.task)),
      workers: [...this.#workers.values()]
        .map((state) => workerRow(state, now))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  #addTask(event: ClusterTaskEvent): void {
    if (!(event.type in this.#totals)) return;
    this.#totals[event.type]++;
    this.#window[event.type]++;
    if (event.type !== 'task:failed') return;
    const exception = event.exception?.name ?? event.reason ?? 'unknown';
    const key = `${event.task}\u0000${exception}`;
    const row = this.#failures.get(key) ?? {
      task: event.task,
      exception,
      count: 0,
      lastMessage: '',
    };
    row.count++;
    row.lastMessage = event.exception?.message ?? event.reason ?? '';
    this.#failures.set(key, row);
  }

  #addWorker(event: ClusterWorkerEvent): void {
    const known = this.#workers.get(event.worker);
    this.#workers.set(event.worker, {
      name: event.worker,
      queues: [...event.queues],
      active: event.active,
      concurrency: event.concurrency,
      processed: event.processed,
      // An offline event is not a beat: the age shows how long ago it was last heard alive.
      lastHeartbeatAt:
        event.type === 'worker:offline' && known ? known.lastHeartbeatAt : event.timestamp,
      intervalMs: event.intervalMs ?? known?.intervalMs ?? DEFAULT_HEARTBEAT_MS,
      offline: event.type === 'worker:offline',
    });
  }
}

function workerRow(state: WorkerState, now: number): WorkerRow {
  const { intervalMs, offline, ...row } = state;
  const silent = now - state.lastHeartbeatAt > SILENT_AFTER_BEATS * intervalMs;
  return {
    ...row,
    queues: [...row.queues],
    status: offline ? 'offline' : silent ? 'silent' : 'online',
  };
}
