import type { Logger } from 'pino';
import type { TaskOptions } from '../task/options.ts';
import type { Duration } from '../time/duration.ts';

/** One message of a batch, as the batch handler sees it. */
export interface BatchItem<A extends unknown[] = unknown[]> {
  /** The task id (the same across retries); the key of the per-item contract. */
  readonly id: string;
  /** The arguments the producer passed to `delay(...)`. */
  readonly args: A;
  /** Retries made before this attempt of this item (0 on its first). */
  readonly retries: number;
  /** The item's keyword arguments, as Celery-style producers send them. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The headers the item's message carries. */
  readonly headers: Readonly<Record<string, unknown>>;
}

/** What a batch handler receives first. */
export interface BatchContext {
  /** The registered task name. */
  readonly name: string;
  /** How many items this batch holds. */
  readonly size: number;
  /** True when running in eager mode or called directly (a batch of one). */
  readonly eager: boolean;
  /** Aborted at the soft time limit, at the hard limit, and at worker shutdown. */
  readonly signal: AbortSignal;
  /** A logger bound to the task name and the batch size. */
  readonly log: Logger;
}

/** An item the handler could not process: it alone is retried (or dead-lettered). */
export interface BatchItemFailure {
  /** The `id` of an item of this batch. */
  id: string;
  /** Why; an Error, or anything `coerceError` turns into one. `Reject` skips retries. */
  error: unknown;
}

/**
 * What a batch handler may return. Nothing (or `{}`) means every item succeeded with no
 * value. `results[i]` is the result of `items[i]`; `failed` lists the items that failed.
 */
export interface BatchReport<R = unknown> {
  /** Each item's result, stored as its task's value: `results[i]` for `items[i]`. */
  results?: R[];
  /** The items that failed, each retried (or dead-lettered) alone; the others succeeded. */
  failed?: BatchItemFailure[];
}

/**
 * A batch handler: the context, then the buffered items. Throwing fails the whole batch (every
 * item is retried per the task's retry policy).
 */
export type BatchHandler<A extends unknown[], R> = (
  ctx: BatchContext,
  items: BatchItem<A>[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is the common case
) => BatchReport<R> | void | Promise<BatchReport<R> | void>;

/** The options of a batch task: every task option, and when a batch is cut. */
export interface BatchTaskOptions extends TaskOptions {
  /** Run the handler once this many items are buffered (default 100). */
  maxSize?: number;
  /** Run it this long after the first item of the batch arrived, however few (default `1s`). */
  maxWait?: Duration;
}
