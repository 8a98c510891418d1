import type { CanvasHost } from '../canvas/canvas-host.ts';
import type { Signature } from '../canvas/signature.ts';
import { chunksGroup, mapSignature, taskSignature } from '../canvas/task-signatures.ts';
import type { Group } from '../canvas/workflows.ts';
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
  /** A signature with every argument: it can start a chain or run alone (or, with rest arguments, take a value). */
  s(...args: A): Signature<R, number extends A['length'] ? unknown : never>;
  /** A partial signature: in a chain it receives the previous step's value as its first argument. */
  s(...args: TailOf<A>): Signature<R, HeadOf<A>>;
  /** An immutable signature: it ignores the previous step's value. */
  si(...args: A): Signature<R, unknown>;
  /** One message that runs this task once per item, in order, on one worker (one-argument tasks). */
  map(items: MapItem<A>[]): Signature<R[], never>;
  /** One message that runs this task once per argument list, in order, on one worker. */
  starmap(argsList: A[]): Signature<R[], never>;
  /** A group of messages of `size` argument lists each; its result is one list of values per chunk. */
  chunks(argsList: A[], size: number): Group<R[][]>;
}

/** The first argument of a tuple. */
export type HeadOf<A extends unknown[]> = A extends [infer H, ...unknown[]] ? H : never;
/** A tuple without its first argument. */
export type TailOf<A extends unknown[]> = A extends [unknown, ...infer T] ? T : never;
/** The argument of a one-argument task. */
export type MapItem<A extends unknown[]> = A extends [infer X] ? X : never;

/** The argument tuple of a task handle. */
export type TaskArgs<T> = T extends Task<infer A, unknown> ? A : never;
/** The result type of a task handle. */
// `infer` for the arguments too: the call signature is contravariant in them, so a task with
// arguments does not extend Task<unknown[], R>.
export type TaskResult<T> = T extends Task<infer _A, infer R> ? R : never;

export interface TaskHandleBackend extends CanvasHost {
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
  return Object.assign(call, {
    taskName: name,
    delay: (...args: A) => backend.send(name, args, {}) as Promise<AsyncResult<R>>,
    applyAsync: (args: A, options: SendOptions = {}) =>
      backend.send(name, args, options) as Promise<AsyncResult<R>>,
    delayMany: (argsList: A[], options: SendOptions = {}) =>
      backend.sendMany(name, argsList, options) as Promise<AsyncResult<R>[]>,
    s: (...args: unknown[]) => taskSignature(backend, name, args, false),
    si: (...args: A) => taskSignature<R, unknown>(backend, name, args, true),
    map: (items: unknown[]) => mapSignature<R>(backend, name, items, false),
    starmap: (argsList: A[]) => mapSignature<R>(backend, name, argsList, true),
    chunks: (argsList: A[], size: number) => chunksGroup<R>(backend, name, argsList, size),
  }) as Task<A, R>;
}
