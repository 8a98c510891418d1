/** Base of every error Celeriac raises itself: each has a stable `code` to match on. */
export class CeleriacError extends Error {
  /** A stable identifier of the failure to match on: `'RETRY'`, `'CONFIG_INVALID'`, … */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown by a handler (or `ctx.retry()`) to ask for another attempt after `delayMs`. */
export class Retry extends CeleriacError {
  /** The delay asked for before the next attempt; undefined to use the task's retry backoff. */
  readonly delayMs: number | undefined;
  constructor(options: { delayMs?: number; cause?: unknown; message?: string } = {}) {
    super('RETRY', options.message ?? 'retry requested', { cause: options.cause });
    this.delayMs = options.delayMs;
  }
}

/** Thrown by a handler to fail the task at once, without retries. */
export class Reject extends CeleriacError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('REJECT', reason, options);
  }
}

/** The reason of `ctx.signal` when a task passes its soft time limit. */
export class SoftTimeLimitExceeded extends CeleriacError {
  constructor(limitMs: number) {
    super('SOFT_TIME_LIMIT', `soft time limit of ${limitMs} ms exceeded`);
  }
}

/** The failure of a task that ran past its hard time limit. */
export class TimeLimitExceeded extends CeleriacError {
  constructor(limitMs: number) {
    super('TIME_LIMIT', `time limit of ${limitMs} ms exceeded`);
  }
}

/** The pool child (thread or process) running a task died before the task ended. */
export class ChildExited extends CeleriacError {
  constructor(how: string) {
    super('CHILD_EXITED', `the pool child running this task exited (${how}) before it finished`);
  }
}

/** The reason of `ctx.signal` when a stopping worker returns the task to the queue. */
export class WorkerShutdown extends CeleriacError {
  constructor() {
    super('WORKER_SHUTDOWN', 'the worker is shutting down; the task went back to the queue');
  }
}

/** The failure a workflow sees for a task that expired before it started. */
export class TaskExpired extends CeleriacError {
  constructor(expires: string) {
    super('EXPIRED', `the task expired at ${expires} before it started`);
  }
}

/** The task was revoked (`celeriac control revoke`): before it started, or while it ran. */
export class TaskRevoked extends CeleriacError {
  constructor(how: 'before it started' | 'and terminated while it ran') {
    super('REVOKED', `the task was revoked ${how}`);
  }
}

/** The broker could not be reached or refused an operation. */
export class BrokerUnavailable extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROKER_UNAVAILABLE', message, options);
  }
}

/** An encoded message is larger than the configured maximum. */
export class PayloadTooLarge extends CeleriacError {
  constructor(taskName: string, bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `task "${taskName}" payload is ${formatBytes(bytes)}, over the ${formatBytes(limit)} limit ` +
        '(maxPayloadBytes): pass ids (a database key, an object-store path) instead of the data itself',
    );
  }
}

/** A task's argument (or keyword argument, or header) is a value JSON cannot carry unchanged. */
export class UnserializableArgument extends CeleriacError {
  /** The task the call sends. */
  readonly task: string;
  /** Where the value sits: `args[1].callback`, `kwargs.total`, `headers.trace`. */
  readonly path: string;
  constructor(task: string, path: string, what: string, item?: number) {
    const call = item === undefined ? '' : ` (call ${item} of the batch)`;
    super('UNSERIALIZABLE_ARGUMENT', `task "${task}"${call}: ${path} ${what}`);
    this.task = task;
    this.path = path;
  }
}

/** A message names a task that is not registered. */
export class UnknownTask extends CeleriacError {
  constructor(taskName: string) {
    super('UNKNOWN_TASK', `unknown task "${taskName}": it is not registered on this app`);
  }
}

/** A message could not be decoded or lacks required fields. */
export class MalformedMessage extends CeleriacError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('MALFORMED_MESSAGE', `malformed message: ${detail}`, options);
  }
}

/**
 * A SQLite file could not be opened, read or written. The message names the file; `code` is
 * the driver's (`SQLITE_READONLY`, `SQLITE_BUSY`, `ENOTDIR`, …) and `cause` its error.
 */
export class SqliteFileError extends CeleriacError {
  /** The database file, as an absolute path. */
  readonly file: string;
  /** What went wrong, without the file's name: the driver's message, its code and a hint. */
  readonly reason: string;
  constructor(file: string, reason: string, code: string, options?: { cause?: unknown }) {
    super(code, `SQLite file "${file}": ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** A configuration value is invalid; the message names the key. */
export class ConfigError extends CeleriacError {
  /** The key (or environment variable) at fault. */
  readonly key: string;
  /** What is wrong with its value. */
  readonly detail: string;
  constructor(key: string, detail: string) {
    super('CONFIG_INVALID', `invalid config "${key}": ${detail}`);
    this.key = key;
    this.detail = detail;
  }
}

/** A result was not ready within the time the caller allowed. */
export class ResultTimeout extends CeleriacError {
  constructor(taskId: string, timeoutMs: number) {
    super('RESULT_TIMEOUT', `result of task ${taskId} not ready within ${timeoutMs} ms`);
  }
}

/** Always yields an Error; non-Error values are wrapped with the original as `cause`. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  const message = typeof value === 'string' ? value : safeJson(value);
  return new Error(message, { cause: value });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Human-readable byte size, e.g. `300.5 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${trimFixed(bytes / 1024)} KiB`;
  return `${trimFixed(bytes / (1024 * 1024))} MiB`;
}

function trimFixed(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}
