import type { TaskResultRecord } from '../backends/backend.ts';
import type { Delivery } from '../brokers/contract/index.ts';
import { hasContinuation } from '../canvas/continue-workflow.ts';
import type { Envelope } from '../envelope/envelope.ts';
import { type CeleriacError, TaskRevoked } from '../errors/errors.ts';
import type { Outcome } from '../middleware/middleware.ts';
import type { DeliveryDeps } from './delivery-deps.ts';

/**
 * Drops a revoked message without running it: its workflow hears of a failure (a chord must
 * not wait for it forever), its result becomes REVOKED, and the message is acked.
 */
export async function revokeBeforeStart(
  deps: DeliveryDeps,
  delivery: Delivery,
  envelope: Envelope,
): Promise<void> {
  const error = new TaskRevoked('before it started');
  if (!(await continueAfterRevoke(deps, envelope, error))) return;
  await deps.acks.ack(delivery);
  deps.log.warn({ taskId: envelope.id, task: envelope.task }, 'task revoked; not run');
  const { id, task, queue, retries } = envelope;
  deps.events.emitSafely('task:revoked', { id, task, queue, retries, reason: error.message });
  await storeEndState(deps, envelope, 'REVOKED', error);
}

/** Sends the workflow's failure path for a revoked task; false when it could not. */
export async function continueAfterRevoke(
  deps: DeliveryDeps,
  envelope: Envelope,
  error: TaskRevoked,
): Promise<boolean> {
  if (!deps.continueWorkflow || !hasContinuation(envelope)) return true;
  const outcome: Outcome = { kind: 'failure', error, reason: 'rejected' };
  try {
    await deps.continueWorkflow(envelope, outcome);
    return true;
  } catch (failure) {
    deps.log.error(
      { err: failure, taskId: envelope.id },
      'could not continue the workflow of a revoked task; its lease will expire',
    );
    return false;
  }
}

/**
 * Stores the state of a task that ended without running (EXPIRED, REVOKED) when it keeps
 * results; a backend error is logged, never thrown.
 */
export async function storeEndState(
  deps: DeliveryDeps,
  envelope: Envelope,
  state: 'EXPIRED' | 'REVOKED',
  error?: CeleriacError,
): Promise<void> {
  const task = deps.registry.find(envelope.task);
  if (!deps.backend || task?.options.ignoreResult) return;
  const record: TaskResultRecord = {
    id: envelope.id,
    task: envelope.task,
    state,
    retries: envelope.retries,
    updatedAt: Date.now(),
  };
  if (error) record.error = { name: error.name, message: error.message, code: error.code };
  try {
    await deps.backend.set(record, deps.resultTtlMs);
  } catch (failure) {
    deps.log.error({ err: failure, taskId: envelope.id }, `could not store ${state} state`);
  }
}
