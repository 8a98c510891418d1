/** The states a task's result moves through, as Celery names them. */
export type TaskState =
  | 'PENDING'
  | 'STARTED'
  | 'RETRY'
  | 'SUCCESS'
  | 'FAILURE'
  | 'EXPIRED'
  | 'REVOKED';

/** States after which nothing changes. */
export const READY_STATES: ReadonlySet<TaskState> = new Set([
  'SUCCESS',
  'FAILURE',
  'EXPIRED',
  'REVOKED',
]);

/** A failure stored as data, never as a serialized object. */
export interface StoredError {
  /** The error's class name, such as `TypeError` or `TimeLimitExceeded`. */
  name: string;
  /** The error's message. */
  message: string;
  /** The error's `code`, when it had a string one (every CeleriacError does). */
  code?: string;
  /** The stack trace where the error was made, when it had one. */
  stack?: string;
}

/** What a backend stores for one task. */
export interface TaskResultRecord {
  /** The task id. */
  id: string;
  /** The task's registered name. */
  task: string;
  /** Where the task is now: PENDING to one of the ready states. */
  state: TaskState;
  /** The handler's return value when SUCCESS. */
  value?: unknown;
  /** The failure when FAILURE, or the error that caused a RETRY. */
  error?: StoredError;
  /** Retries made when this record was written. */
  retries: number;
  /** Epoch ms of this record. */
  updatedAt: number;
}

/** Stores task outcomes. `wait` has a polling default; adapters may block instead. */
export interface ResultBackend {
  /** Opens what the backend needs (a connection, a file); idempotent; the app calls it first. */
  connect(): Promise<void>;
  /** Ends pending waits with undefined and releases what `connect` opened. */
  close(): Promise<void>;
  /** The stored record of task `id`, or undefined when there is none (or it expired). */
  get(id: string): Promise<TaskResultRecord | undefined>;
  /** Stores the record; it disappears `ttlMs` later (never, when ttlMs is 0). */
  set(record: TaskResultRecord, ttlMs: number): Promise<void>;
  /** Deletes the record of task `id`, if any. */
  forget(id: string): Promise<void>;
  /** Resolves with the record once it reaches a ready state, or undefined after `timeoutMs`. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<TaskResultRecord | undefined>;
}
