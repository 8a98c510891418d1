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
  readonly queue: string;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly kwargs: Readonly<Record<string, unknown>>;
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
