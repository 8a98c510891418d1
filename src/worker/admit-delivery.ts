import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/contract/index.ts';
import type { Envelope } from '../envelope/envelope.ts';
import { CeleriacError } from '../errors/errors.ts';
import type { WorkerEvents } from '../events/worker-events.ts';
import { type Admission, type AdmissionGate, admit } from '../flow/admission.ts';
import type { Outcome } from '../middleware/middleware.ts';
import type { RegisteredTask } from '../task/registry.ts';
import { deadLetter } from './settle.ts';

/** What admitting a delivery needs from the worker. */
export interface AdmitDeps {
  broker: Broker;
  gates: readonly AdmissionGate[];
  events: WorkerEvents;
  log: Logger;
}

/**
 * Passes a delivery through the flow-control gates. Returns the admission to run it under, or
 * undefined when it went back to the broker (deferred) or could not be decided (its lease
 * runs out and it comes back): either way its slot is free at once.
 */
export async function admitDelivery(
  deps: AdmitDeps,
  task: RegisteredTask,
  envelope: Envelope,
  delivery: Delivery,
): Promise<Admission | undefined> {
  let admission: Admission;
  try {
    admission = await admit(deps.gates, task, envelope, delivery);
  } catch (error) {
    deps.log.error(
      { err: error, taskId: envelope.id, task: envelope.task },
      'flow control could not decide; the task runs again when its lease ends',
    );
    return undefined;
  }
  if (admission.kind === 'run') return admission;
  if (admission.kind === 'reject') {
    await rejectDelivery(deps, task, envelope, delivery, admission.reason);
    return undefined;
  }
  try {
    const retryAt = admission.until;
    await deps.broker.nack(
      delivery,
      admission.body ? { retryAt, body: admission.body } : { retryAt },
    );
    deps.events.emitSafely('task:deferred', {
      id: envelope.id,
      task: envelope.task,
      queue: envelope.queue,
      retries: envelope.retries,
      until: admission.until,
      reason: admission.reason,
      rateLimited: admission.rateLimited === true,
    });
  } catch (error) {
    deps.log.error(
      { err: error, taskId: envelope.id },
      'could not defer a task; it runs again when its lease ends',
    );
  }
  return undefined;
}

/** Fails a delivery a gate refused for good: dead-lettered (or dropped) with the gate's reason. */
async function rejectDelivery(
  deps: AdmitDeps,
  task: RegisteredTask,
  envelope: Envelope,
  delivery: Delivery,
  reason: string,
): Promise<void> {
  const error = new CeleriacError('ADMISSION_REJECTED', reason);
  deps.log.error({ taskId: envelope.id, task: envelope.task }, `task failed: ${reason}`);
  const { id, queue, retries } = envelope;
  deps.events.emitSafely('task:failed', { id, task: envelope.task, queue, retries, error, reason });
  try {
    if (!task.options.deadLetter) {
      await deps.broker.ack([delivery]);
      return;
    }
    await deadLetter(deps, delivery, reason);
  } catch (failure) {
    deps.log.error(
      { err: failure, taskId: id },
      'could not fail a task; it runs again when its lease ends',
    );
  }
}

/**
 * Gives back what an admission holds, telling it how the attempt settled (undefined: it did
 * not); a failure is logged (the holds expire on their own).
 */
export async function releaseAdmission(
  admission: Admission,
  log: Logger,
  taskId: string,
  outcome?: Outcome,
): Promise<void> {
  if (admission.kind !== 'run' || !admission.release) return;
  try {
    await admission.release(outcome);
  } catch (error) {
    log.error({ err: error, taskId }, 'could not release a flow-control hold; it will expire');
  }
}
