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
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** What a backend stores for one task. */
export interface TaskResultRecord {
  id: string;
  task: string;
  state: TaskState;
  /** The handler's return value when SUCCESS. */
  value?: unknown;
  /** The failure when FAILURE, or the error that caused a RETRY. */
  error?: StoredError;
  retries: number;
  /** Epoch ms of this record. */
  updatedAt: number;
}

/** Stores task outcomes. `wait` has a polling default; adapters may block instead. */
export interface ResultBackend {
  connect(): Promise<void>;
  close(): Promise<void>;
  get(id: string): Promise<TaskResultRecord | undefined>;
  /** Stores the record; it disappears `ttlMs` later (never, when ttlMs is 0). */
  set(record: TaskResultRecord, ttlMs: number): Promise<void>;
  forget(id: string): Promise<void>;
  /** Resolves with the record once it reaches a ready state, or undefined after `timeoutMs`. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<TaskResultRecord | undefined>;
}
