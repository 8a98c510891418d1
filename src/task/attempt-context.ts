import type { Bindings, Logger } from 'pino';
import type { Envelope } from '../envelope/envelope.ts';
import { Retry } from '../errors/errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import type { AttemptAbort } from './attempt-abort.ts';
import type { TaskContext } from './context.ts';
import type { RegisteredTask } from './registry.ts';

// A handler's context has two parts, both made here: the attempt's scope (its signal and logger)
// and the fields read off its message. createTaskContext builds a single task's wherever it runs
// (a worker, a pool child, eager mode, a direct call); batching/batch-attempt.ts builds a batch's
// context and items from the same parts. A field added to TaskContext does not compile until
// TaskAttempt sets it (it implements the fields' type), and nowhere else needs it.

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/** What a handler's context is made with: the mode it runs in and the logger it logs under. */
export interface ContextOptions {
  eager: boolean;
  log: Logger;
}

/** The fields of a task context that come from its message; each batch item carries them too. */
export type MessageFields = Pick<TaskContext, 'id' | 'retries' | 'kwargs' | 'headers'>;

/** A task context's own fields: all of it but the signal, the logger and retry(). */
type TaskContextFields = Omit<TaskContext, 'signal' | 'log' | 'retry'>;

/** What a message's fields are read from: its envelope, or a task context made from one. */
export type MessageSource = Pick<Envelope, 'id' | 'retries'> & Partial<MessageFields>;

/** Reads the fields a handler sees of its message, for a single task and a batch item alike. */
export function readMessageFields(message: MessageSource): MessageFields {
  return {
    id: message.id,
    retries: message.retries,
    kwargs: message.kwargs ?? NO_FIELDS,
    headers: message.headers ?? NO_FIELDS,
  };
}

/**
 * The signal and the logger of one attempt, shared by a single task's context and a batch's.
 * A class rather than an object literal with getters: one is made per task, and a class shares
 * its getters through the prototype instead of building them anew. Subclasses assign their
 * fields in their constructors, so every context of a kind has one shape (a context built by
 * copying fields onto an instance ran the c100 benchmark 27% slower).
 */
export abstract class AttemptScope {
  readonly #abort: AttemptAbort;
  readonly #parentLog: Logger;
  #log: Logger | undefined;

  constructor(abort: AttemptAbort, parentLog: Logger) {
    this.#abort = abort;
    this.#parentLog = parentLog;
  }

  /** Aborted at the time limits and at worker shutdown. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A logger bound to the attempt; made only when the handler logs (an allocation per task). */
  get log(): Logger {
    this.#log ??= this.#parentLog.child(this.logBindings());
    return this.#log;
  }

  /** What the attempt's logger is bound to, read off the context's fields. */
  protected abstract logBindings(): Bindings;
}

/** A single task's context: its message's fields, the task's, and another attempt on demand. */
class TaskAttempt extends AttemptScope implements TaskContextFields {
  readonly id: string;
  readonly retries: number;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly name: string;
  readonly maxRetries: number;
  readonly queue: string;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly eager: boolean;

  constructor(
    task: RegisteredTask,
    envelope: Envelope,
    abort: AttemptAbort,
    options: ContextOptions,
  ) {
    super(abort, options.log);
    // The message's fields as readMessageFields reads them, set one by one for one shape.
    this.id = envelope.id;
    this.retries = envelope.retries;
    this.kwargs = envelope.kwargs ?? NO_FIELDS;
    this.headers = envelope.headers ?? NO_FIELDS;
    this.name = task.name;
    this.maxRetries = task.options.retry.max;
    this.queue = envelope.queue;
    this.rootId = envelope.rootId;
    this.parentId = envelope.parentId ?? null;
    this.eager = options.eager;
  }

  protected override logBindings(): Bindings {
    return { taskId: this.id, task: this.name, retries: this.retries };
  }

  /** Ends this attempt and asks for another after `countdown` (default: the backoff policy). */
  retry(options: { countdown?: Duration; error?: unknown } = {}): never {
    const delayMs = options.countdown === undefined ? undefined : parseDuration(options.countdown);
    throw new Retry({ delayMs, cause: options.error });
  }
}

/** Builds the context a handler receives for one attempt of `task` on `envelope`. */
export function createTaskContext(
  task: RegisteredTask,
  envelope: Envelope,
  abort: AttemptAbort,
  options: ContextOptions,
): TaskContext {
  return new TaskAttempt(task, envelope, abort, options);
}
