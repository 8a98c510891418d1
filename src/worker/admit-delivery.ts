import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/broker.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { WorkerEvents } from '../events/worker-events.ts';
import { type Admission, type AdmissionGate, admit } from '../flow/admission.ts';
import type { Outcome } from '../middleware/middleware.ts';
import type { RegisteredTask } from '../task/registry.ts';

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
  if (admission.kind === 'reject')
    return rejectDelivery(deps, envelope, delivery, admission.reason);
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
    });
  } catch (error) {
    deps.log.error(
      { err: error, taskId: envelope.id },
      'could not defer a task; it runs again when its lease ends',
    );
  }
  return undefined;
}

/** Dead-letters a delivery a gate says can never run; a failure leaves it to its lease. */
async function rejectDelivery(
  deps: AdmitDeps,
  envelope: Envelope,
  delivery: Delivery,
  reason: string,
): Promise<undefined> {
  deps.log.error({ taskId: envelope.id, task: envelope.task }, `dead-lettered: ${reason}`);
  try {
    await deps.broker.nack(delivery, { deadLetter: true, reason });
    deps.events.emitSafely('message:dead-lettered', {
      id: delivery.id,
      queue: delivery.queue,
      reason,
    });
  } catch (error) {
    deps.log.error(
      { err: error, taskId: envelope.id },
      'could not dead-letter a task; its lease will expire',
    );
  }
  return undefined;
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
