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
// createTaskContext sets it, and nowhere else needs it.

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
 * its getters through the prototype instead of building them anew. The context's fields are
 * assigned onto the instance, so a spread or a JSON of the context shows them; the scope keeps
 * them too, only to name what its logger is bound to.
 */
export abstract class AttemptScope<Fields> {
  readonly #abort: AttemptAbort;
  readonly #parentLog: Logger;
  readonly #fields: Fields;
  #log: Logger | undefined;

  constructor(abort: AttemptAbort, parentLog: Logger, fields: Fields) {
    this.#abort = abort;
    this.#parentLog = parentLog;
    this.#fields = fields;
  }

  /** Aborted at the time limits and at worker shutdown. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A logger bound to the attempt; made only when the handler logs (an allocation per task). */
  get log(): Logger {
    this.#log ??= this.#parentLog.child(this.logBindings(this.#fields));
    return this.#log;
  }

  /** What the attempt's logger is bound to, read off the context's fields. */
  protected abstract logBindings(fields: Fields): Bindings;
}

/** The scope of a single task's attempt, which can also ask for another attempt. */
class TaskAttempt extends AttemptScope<TaskContextFields> {
  protected override logBindings(fields: TaskContextFields): Bindings {
    return { taskId: fields.id, task: fields.name, retries: fields.retries };
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
  const fields: TaskContextFields = {
    ...readMessageFields(envelope),
    name: task.name,
    maxRetries: task.options.retry.max,
    queue: envelope.queue,
    rootId: envelope.rootId,
    parentId: envelope.parentId ?? null,
    eager: options.eager,
  };
  return Object.assign(new TaskAttempt(abort, options.log, fields), fields);
}
