import type { Logger } from 'pino';
import type { Envelope } from '../envelope/envelope.ts';
import { Retry } from '../errors/errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import type { AttemptAbort } from './attempt-abort.ts';
import type { TaskContext } from './context.ts';
import type { RegisteredTask } from './registry.ts';

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The context of one attempt. A class rather than an object literal with getters: one is made
 * per task, and a class shares its getters through the prototype instead of building them anew.
 */
export class AttemptContext implements TaskContext {
  readonly id: string;
  readonly name: string;
  readonly retries: number;
  readonly maxRetries: number;
  readonly queue: string;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly eager: boolean;
  readonly #abort: AttemptAbort;
  readonly #parentLog: Logger;
  #log: Logger | undefined;

  constructor(
    task: RegisteredTask,
    envelope: Envelope,
    abort: AttemptAbort,
    options: { eager: boolean; log: Logger },
  ) {
    this.id = envelope.id;
    this.name = task.name;
    this.retries = envelope.retries;
    this.maxRetries = task.options.retry.max;
    this.queue = envelope.queue;
    this.rootId = envelope.rootId;
    this.parentId = envelope.parentId ?? null;
    this.kwargs = envelope.kwargs ?? NO_FIELDS;
    this.headers = envelope.headers ?? NO_FIELDS;
    this.eager = options.eager;
    this.#abort = abort;
    this.#parentLog = options.log;
  }

  /** Aborted at the time limits and at worker shutdown. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A logger bound to the task; made only when the handler logs (an allocation per task). */
  get log(): Logger {
    this.#log ??= this.#parentLog.child({
      taskId: this.id,
      task: this.name,
      retries: this.retries,
    });
    return this.#log;
  }

  /** Ends this attempt and asks for another after `countdown` (default: the backoff policy). */
  retry(options: { countdown?: Duration; error?: unknown } = {}): never {
    const delayMs = options.countdown === undefined ? undefined : parseDuration(options.countdown);
    throw new Retry({ delayMs, cause: options.error });
  }
}
