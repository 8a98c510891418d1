import type { Logger } from 'pino';
import type { ResultBackend, TaskResultRecord, TaskState } from '../backends/backend.ts';
import { WorkerShutdown } from '../errors/errors.ts';
import { type Execution, type Middleware, toStoredError } from './middleware.ts';

/** Stores STARTED (when tracked), RETRY, SUCCESS and FAILURE in the result backend. */
export function resultLayer(backend: ResultBackend, ttlMs: number, log: Logger): Middleware {
  const store = async (
    execution: Execution,
    record: Omit<TaskResultRecord, 'id' | 'task' | 'retries' | 'updatedAt'>,
  ) => {
    const { envelope } = execution;
    try {
      await backend.set(
        {
          id: envelope.id,
          task: envelope.task,
          retries: envelope.retries,
          updatedAt: Date.now(),
          ...record,
        },
        ttlMs,
      );
    } catch (error) {
      // The task's own outcome stands: a result that cannot be stored is logged, not retried.
      log.error({ err: error, taskId: envelope.id }, 'could not store task result');
    }
  };
  return async (execution, next) => {
    const options = execution.task.options;
    if (options.ignoreResult) return next();
    if (options.trackStarted) await store(execution, { state: 'STARTED' });
    await next();
    const outcome = execution.outcome;
    if (!outcome) return;
    // A released attempt's message is back in the queue: its next run owns the result.
    if (outcome.kind !== 'success' && execution.abort.reason instanceof WorkerShutdown) return;
    if (outcome.kind === 'success')
      await store(execution, { state: 'SUCCESS', value: outcome.value });
    else {
      const state: TaskState = outcome.kind === 'retry' ? 'RETRY' : 'FAILURE';
      await store(execution, { state, error: toStoredError(outcome.error) });
    }
  };
}
