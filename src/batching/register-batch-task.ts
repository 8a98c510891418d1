import { checkTaskSupport, type TaskSupportHost } from '../app/check-task-support.ts';
import { createTaskHandle, type Task, type TaskHandleBackend } from '../app/task-handle.ts';
import { validateTaskOptions } from '../config/validate-config.ts';
import type { TaskContext } from '../task/context.ts';
import type { TaskRegistry } from '../task/registry.ts';
import { resolveTaskOptions } from '../task/resolve-options.ts';
import { batchOfOne } from './batch-attempt.ts';
import type { BatchHandler, BatchTaskOptions } from './batch-handler.ts';
import { readBatchReport } from './batch-report.ts';
import { type BatchSpec, readBatchOptions } from './batch-spec.ts';

/** What registering a batch task needs of the app. */
export interface BatchTaskHost extends TaskSupportHost, TaskHandleBackend {
  readonly registry: TaskRegistry;
}

/**
 * Registers a batch task on `app` and returns its handle: producers send single items; a
 * worker on the async pool hands them to the handler in batches. Eager mode and a direct call
 * run a batch of one.
 */
export function registerBatchTask<A extends unknown[], R>(
  app: BatchTaskHost,
  name: string,
  options: BatchTaskOptions,
  handler: BatchHandler<A, R>,
): Task<A, R> {
  if (typeof handler !== 'function')
    throw new TypeError(`batch task "${name}" needs a handler function`);
  const where = `tasks['${name}']`;
  const { spec, taskOptions } = readBatchOptions(
    options,
    handler as BatchHandler<unknown[], unknown>,
    where,
  );
  validateTaskOptions(taskOptions, where);
  const resolved = resolveTaskOptions(
    taskOptions,
    app.config.taskDefaults ?? {},
    app.config.ignoreResult ?? false,
  );
  checkTaskSupport(app, name, resolved);
  app.registry.add({
    name,
    // Whatever the app's taskDefaults say: a buffered message is acked after its batch.
    options: { ...resolved, acksLate: true },
    handler: (ctx: TaskContext, ...args: unknown[]) => runBatchOfOne(name, spec, ctx, args),
    batch: spec,
  });
  return createTaskHandle<A, R>(name, app);
}

/**
 * Runs the batch handler on one item through the single-task path (eager mode, a direct call,
 * a message that reaches a worker without batching): the item's failure is thrown, so the
 * retry layer treats it as a single task's error.
 */
async function runBatchOfOne(
  name: string,
  spec: BatchSpec,
  ctx: TaskContext,
  args: unknown[],
): Promise<unknown> {
  const { ctx: batchCtx, item } = batchOfOne(name, ctx, args);
  const value = await spec.handler(batchCtx, [item]);
  const report = readBatchReport(name, value, [item.id]);
  const failure = report.failures.get(item.id);
  if (failure) throw failure;
  return report.results[0];
}
