import type { PoolName } from '../executors/pool-name.ts';
import type { TaskRegistry } from '../task/registry.ts';
import { isBatchTask } from './batch-spec.ts';

/**
 * Throws when a worker on the threads or process pool would consume a batch task's queue:
 * batches are collected and run in the worker's own process, so only the async pool runs them.
 */
export function assertBatchesOnAsyncPool(
  app: {
    readonly registry: TaskRegistry;
    /** The queue a task's messages go to by default. */
    queueFor(taskName: string, taskQueue: string | undefined): string;
  },
  pool: PoolName,
  queues: string[],
): void {
  if (pool === 'async') return;
  for (const name of app.registry.names()) {
    const task = app.registry.get(name);
    if (!isBatchTask(task)) continue;
    const queue = app.queueFor(name, task.options.queue);
    if (!queues.includes(queue)) continue;
    throw new RangeError(
      `batch task "${name}" cannot run on the ${pool} pool: batches run on the async pool only; ` +
        `consume queue "${queue}" with a worker on the async pool`,
    );
  }
}
