import { ConfigError } from '../errors/errors.ts';
import type { RegisteredTask } from '../task/registry.ts';
import { parseDuration } from '../time/duration.ts';
import type { BatchHandler, BatchTaskOptions } from './batch-handler.ts';

/** Items per batch when `maxSize` is not given. */
export const DEFAULT_MAX_SIZE = 100;
/** How long the first item of a batch waits when `maxWait` is not given. */
export const DEFAULT_MAX_WAIT = '1s';

/** How a batch task is batched, as the worker reads it from its registered task. */
export interface BatchSpec {
  maxSize: number;
  maxWaitMs: number;
  handler: BatchHandler<unknown[], unknown>;
}

/** A registered task that is a batch task. */
export type RegisteredBatchTask = RegisteredTask & { readonly batch: BatchSpec };

/** True for tasks registered with `app.batchTask`. */
export function isBatchTask(task: RegisteredTask): task is RegisteredBatchTask {
  return task.batch !== undefined;
}

/**
 * Checks `maxSize`, `maxWait` and `acksLate` of a batch task (`where` prefixes the key in
 * errors) and returns the spec and the plain task options.
 */
export function readBatchOptions(
  options: BatchTaskOptions,
  handler: BatchHandler<unknown[], unknown>,
  where: string,
): { spec: BatchSpec; taskOptions: Omit<BatchTaskOptions, 'maxSize' | 'maxWait'> } {
  const { maxSize = DEFAULT_MAX_SIZE, maxWait = DEFAULT_MAX_WAIT, ...taskOptions } = options;
  if (!Number.isInteger(maxSize) || maxSize < 1) {
    throw new ConfigError(
      `${where}.maxSize`,
      `expected a positive integer, got ${JSON.stringify(maxSize)}`,
    );
  }
  let maxWaitMs: number;
  try {
    maxWaitMs = parseDuration(maxWait);
  } catch (error) {
    throw new ConfigError(`${where}.maxWait`, (error as Error).message);
  }
  // Buffered messages are acked after their batch; acking on receipt would lose them on a crash.
  if (taskOptions.acksLate === false) {
    throw new ConfigError(
      `${where}.acksLate`,
      'a batch task acks each message after its batch; acksLate: false is not supported',
    );
  }
  return { spec: { maxSize, maxWaitMs, handler }, taskOptions };
}
