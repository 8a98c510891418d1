import type { AsyncResult } from '../result/async-result.ts';
import type { TaskContext } from '../task/context.ts';
import type { SendOptions } from '../task/options.ts';

/** A handler: the context first, then the task's own arguments. */
export type TaskHandler<A extends unknown[], R> = (ctx: TaskContext, ...args: A) => R | Promise<R>;

/**
 * A registered task. Call it to run inline; `delay` and `applyAsync` send it to a worker.
 * `A` and `R` come from the handler, so every call is type-checked.
 */
export interface Task<A extends unknown[], R> {
  /** Runs the handler in this process, now, without retries or result storage. */
  (...args: A): Promise<R>;
  /** The registered name. */
  readonly taskName: string;
  /** Sends the task with these arguments. Resolves once the broker has stored it. */
  delay(...args: A): Promise<AsyncResult<R>>;
  /** Sends the task with per-call options (countdown, eta, expires, priority, queue, id, headers). */
  applyAsync(args: A, options?: SendOptions): Promise<AsyncResult<R>>;
  /** Sends one task per argument tuple in a single broker call (all stored, or none). */
  delayMany(argsList: A[], options?: Omit<SendOptions, 'id'>): Promise<AsyncResult<R>[]>;
}

/** The argument tuple of a task handle. */
export type TaskArgs<T> = T extends Task<infer A, unknown> ? A : never;
/** The result type of a task handle. */
// `infer` for the arguments too: the call signature is contravariant in them, so a task with
// arguments does not extend Task<unknown[], R>.
export type TaskResult<T> = T extends Task<infer _A, infer R> ? R : never;

export interface TaskHandleBackend {
  runInline(name: string, args: unknown[]): Promise<unknown>;
  send(name: string, args: unknown[], options: SendOptions): Promise<AsyncResult<unknown>>;
  sendMany(
    name: string,
    argsList: unknown[][],
    options: SendOptions,
  ): Promise<AsyncResult<unknown>[]>;
}

/** Builds the callable handle returned by `app.task()`. */
export function createTaskHandle<A extends unknown[], R>(
  name: string,
  backend: TaskHandleBackend,
): Task<A, R> {
  const call = (...args: A) => backend.runInline(name, args) as Promise<R>;
  const handle = Object.assign(call, {
    taskName: name,
    delay: (...args: A) => backend.send(name, args, {}) as Promise<AsyncResult<R>>,
    applyAsync: (args: A, options: SendOptions = {}) =>
      backend.send(name, args, options) as Promise<AsyncResult<R>>,
    delayMany: (argsList: A[], options: SendOptions = {}) =>
      backend.sendMany(name, argsList, options) as Promise<AsyncResult<R>[]>,
  });
  return handle;
}
