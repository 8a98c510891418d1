import type { Logger } from 'pino';
import type { Duration } from '../time/duration.ts';

/** What a handler receives first: who it is, its attempt, its abort signal, a logger. */
export interface TaskContext {
  /** The task id (the same across retries). */
  readonly id: string;
  /** The registered task name. */
  readonly name: string;
  /** Retries made before this attempt (0 on the first). */
  readonly retries: number;
  /** Retries allowed by the task's policy. */
  readonly maxRetries: number;
  /** The queue the message came from. */
  readonly queue: string;
  /** The id of the first task in the line of tasks whose ends sent this one; else its own id. */
  readonly rootId: string;
  /** The id of the task whose end sent this one (a chain's step before it); null if none did. */
  readonly parentId: string | null;
  /** Keyword arguments, as Celery-style producers send them (`applyAsync`'s `kwargs`). */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The headers the message carries (`applyAsync`'s `headers`, and tracing's). */
  readonly headers: Readonly<Record<string, unknown>>;
  /** True when running in eager mode or called directly. */
  readonly eager: boolean;
  /**
   * Aborted at the soft time limit (reason: SoftTimeLimitExceeded), at the hard limit, and at
   * worker shutdown. Pass it to fetch and friends, or call `signal.throwIfAborted()`.
   */
  readonly signal: AbortSignal;
  /** A logger bound to the task id and name. */
  readonly log: Logger;
  /** Ends this attempt and asks for another after `countdown` (default: the backoff policy). */
  retry(options?: { countdown?: Duration; error?: unknown }): never;
}
