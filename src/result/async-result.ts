import {
  READY_STATES,
  type StoredError,
  type TaskResultRecord,
  type TaskState,
} from '../backends/backend.ts';
import { CeleriacError, ResultTimeout } from '../errors/errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';

/** Where an AsyncResult reads from: the app's result backend, or an eager run's outcome. */
export interface ResultSource {
  get(id: string): Promise<TaskResultRecord | undefined>;
  wait(id: string, timeoutMs: number): Promise<TaskResultRecord | undefined>;
  forget(id: string): Promise<void>;
}

/** Raised by `get()` when the task ended in FAILURE, EXPIRED or REVOKED. */
export class TaskFailed extends CeleriacError {
  /** The id of the task that failed. */
  readonly taskId: string;
  /** The state it ended in: FAILURE, EXPIRED or REVOKED. */
  readonly state: TaskState;
  /** The failure as the worker stored it. */
  readonly remote: StoredError | undefined;
  constructor(record: TaskResultRecord) {
    const what = record.error ? `${record.error.name}: ${record.error.message}` : record.state;
    super('TASK_FAILED', `task ${record.task}[${record.id}] ended in ${record.state}: ${what}`);
    this.taskId = record.id;
    this.state = record.state;
    this.remote = record.error;
  }
}

/** Raised when a result is asked of an app that has no result backend. */
export class NoResultBackend extends CeleriacError {
  constructor() {
    super('NO_RESULT_BACKEND', 'no result backend is configured: pass `backend` to createApp');
  }
}

// A long wait is cut into slices so a backend's single wait never holds for hours.
const WAIT_SLICE_MS = 60_000;

/** A handle on a sent task's outcome. `R` is the handler's return type. */
export class AsyncResult<R = unknown> {
  constructor(
    /** The task id. */
    readonly id: string,
    private readonly source: ResultSource | undefined,
  ) {}

  /** The stored record, or undefined while nothing is stored (PENDING). */
  async info(): Promise<TaskResultRecord | undefined> {
    return this.requireSource().get(this.id);
  }

  /** PENDING, STARTED, RETRY, SUCCESS, FAILURE, EXPIRED or REVOKED. */
  async state(): Promise<TaskState> {
    return (await this.info())?.state ?? 'PENDING';
  }

  /** True once the task reached a state after which nothing changes. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  /** Waits for the outcome: the return value, or TaskFailed; ResultTimeout after `timeout`. */
  async get(options: { timeout?: Duration } = {}): Promise<R> {
    const source = this.requireSource();
    const timeoutMs = options.timeout === undefined ? Infinity : parseDuration(options.timeout);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const record = await source.wait(this.id, Math.max(0, Math.min(left, WAIT_SLICE_MS)));
      if (record) return unwrap<R>(record);
      if (deadline - Date.now() <= 0) throw new ResultTimeout(this.id, timeoutMs);
    }
  }

  /** Deletes the stored outcome. */
  async forget(): Promise<void> {
    await this.requireSource().forget(this.id);
  }

  private requireSource(): ResultSource {
    if (!this.source) throw new NoResultBackend();
    return this.source;
  }
}

function unwrap<R>(record: TaskResultRecord): R {
  if (record.state === 'SUCCESS') return record.value as R;
  throw new TaskFailed(record);
}

/** A ResultSource over one record held in memory: the outcome of an eager run. */
export function memoryResultSource(record: TaskResultRecord): ResultSource {
  let current: TaskResultRecord | undefined = record;
  return {
    get: async () => current,
    wait: async () => current,
    forget: async () => {
      current = undefined;
    },
  };
}
