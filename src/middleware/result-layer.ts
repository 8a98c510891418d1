import type { Logger } from 'pino';
import type { ResultBackend, TaskResultRecord, TaskState } from '../backends/backend.ts';
import type { Envelope } from '../envelope/envelope.ts';
import { TaskRevoked, WorkerShutdown } from '../errors/errors.ts';
import { type Middleware, type Outcome, toStoredError } from './middleware.ts';

type StoredFields = Omit<TaskResultRecord, 'id' | 'task' | 'retries' | 'updatedAt'>;

async function store(
  backend: ResultBackend,
  ttlMs: number,
  log: Logger,
  envelope: Envelope,
  record: StoredFields,
): Promise<void> {
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
}

/**
 * Stores an attempt's outcome as SUCCESS, RETRY, FAILURE, or REVOKED for an attempt terminated
 * on request; logs a backend error, never throws.
 */
export function storeOutcome(
  backend: ResultBackend,
  ttlMs: number,
  log: Logger,
  envelope: Envelope,
  outcome: Outcome,
): Promise<void> {
  if (outcome.kind === 'success')
    return store(backend, ttlMs, log, envelope, { state: 'SUCCESS', value: outcome.value });
  const state: TaskState =
    outcome.kind === 'retry'
      ? 'RETRY'
      : outcome.error instanceof TaskRevoked
        ? 'REVOKED'
        : 'FAILURE';
  return store(backend, ttlMs, log, envelope, { state, error: toStoredError(outcome.error) });
}

/** Stores STARTED (when tracked), RETRY, SUCCESS and FAILURE in the result backend. */
export function resultLayer(backend: ResultBackend, ttlMs: number, log: Logger): Middleware {
  return async (execution, next) => {
    const options = execution.task.options;
    if (options.ignoreResult) return next();
    if (options.trackStarted)
      await store(backend, ttlMs, log, execution.envelope, { state: 'STARTED' });
    await next();
    const outcome = execution.outcome;
    if (!outcome) return;
    // A released attempt's message is back in the queue: its next run owns the result.
    if (outcome.kind !== 'success' && execution.abort.reason instanceof WorkerShutdown) return;
    // Terminated on request: however the handler ended, the attempt counts as revoked.
    const revoked = execution.abort.reason;
    const stored: Outcome =
      revoked instanceof TaskRevoked
        ? { kind: 'failure', error: revoked, reason: 'rejected' }
        : outcome;
    await storeOutcome(backend, ttlMs, log, execution.envelope, stored);
  };
}
