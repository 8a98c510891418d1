import { isBatchTask } from '../batching/batch-spec.ts';
import type { Delivery } from '../brokers/contract/index.ts';
import { hasContinuation } from '../canvas/continue-workflow.ts';
import { unsendableStepReason } from '../canvas/unsendable-step.ts';
import { type Envelope, validateEnvelope } from '../envelope/envelope.ts';
import { coerceError, TaskExpired } from '../errors/errors.ts';
import { needsAdmission, RUN_NOW } from '../flow/admission.ts';
import type { Outcome } from '../middleware/middleware.ts';
import { admitDelivery, releaseAdmission } from './admit-delivery.ts';
import { checkDeliveryCount } from './delivery-count.ts';
import type { DeliveryDeps } from './delivery-deps.ts';
import { revokeBeforeStart, storeEndState } from './revoke-delivery.ts';
import { deadLetter, settle } from './settle.ts';

export type { DeliveryDeps } from './delivery-deps.ts';

/**
 * Decodes, gates, runs and settles one delivery. Bad messages go to the dead-letter queue
 * with their reason; nothing here throws, so one message never stops the others.
 */
export async function processDelivery(deps: DeliveryDeps, delivery: Delivery): Promise<void> {
  let envelope: Envelope;
  try {
    checkDeliveryCount(delivery);
    envelope = validateEnvelope(deps.serializer.decode(delivery.body), delivery);
  } catch (error) {
    return reject(deps, delivery, coerceError(error).message);
  }
  const task = deps.registry.find(envelope.task);
  if (!task)
    return reject(
      deps,
      delivery,
      `unknown task "${envelope.task}": it is not registered on this worker`,
      envelope.task,
    );
  const { id, queue, retries } = envelope;
  if (deps.events.listens('task:received'))
    deps.events.emitSafely('task:received', { id, task: task.name, queue, retries, envelope });
  if (deps.revoked?.has(envelope.id)) return revokeBeforeStart(deps, delivery, envelope);
  if (envelope.expires !== undefined && Date.parse(envelope.expires) <= Date.now()) {
    return expire(deps, delivery, envelope);
  }
  if (deps.batches && isBatchTask(task)) return deps.batches.add(task, delivery, envelope);
  const held = deps.inHand?.receive(envelope);
  // Most tasks have no flow control: they skip the admission round entirely.
  const admission = needsAdmission(deps.gates, task)
    ? await admitDelivery(deps, task, envelope, delivery)
    : RUN_NOW;
  if (!admission) {
    if (held) deps.inHand?.drop(held);
    return;
  }
  const acksLate = task.options.acksLate;
  if (acksLate) deps.leases.hold(delivery);
  else await deps.acks.ackBeforeStart(delivery);
  if (held) deps.inHand?.start(held);
  if (deps.events.listens('task:started')) {
    const queued = queuedMs(envelope);
    deps.events.emitSafely('task:started', {
      id,
      task: task.name,
      queue,
      retries,
      queuedMs: queued,
    });
  }
  const started = performance.now();
  let settled: Outcome | undefined;
  try {
    const outcome = await deps.runner.run(task, envelope, deps.shutdown);
    // A released delivery is back in the queue already; another worker owns its outcome now.
    if (acksLate && !deps.leases.isHeld(delivery)) return;
    await settle(deps, task, delivery, envelope, outcome, Math.round(performance.now() - started));
    settled = outcome;
  } catch (error) {
    deps.log.error(
      { err: error, taskId: envelope.id },
      'worker error while settling a task; its lease will expire',
    );
  } finally {
    if (held) deps.inHand?.drop(held);
    deps.leases.release(delivery);
    if (admission !== RUN_NOW) await releaseAdmission(admission, deps.log, envelope.id, settled);
  }
}

/** Ms from when the message was sent, or became due, to now; undefined for old producers. */
function queuedMs(envelope: Envelope): number | undefined {
  if (envelope.sentAt === undefined) return undefined;
  const due = envelope.eta === undefined ? envelope.sentAt : Date.parse(envelope.eta);
  return Math.max(0, Date.now() - Math.max(envelope.sentAt, due));
}

async function reject(
  deps: DeliveryDeps,
  delivery: Delivery,
  reason: string,
  task?: string,
): Promise<void> {
  deps.log.error({ messageId: delivery.id, queue: delivery.queue }, `dead-lettered: ${reason}`);
  deps.events.emitSafely('task:rejected', { id: delivery.id, queue: delivery.queue, task, reason });
  try {
    await deadLetter(deps, delivery, reason);
  } catch (error) {
    deps.log.error(
      { err: error, messageId: delivery.id },
      'could not dead-letter a message; its lease will expire',
    );
  }
}

async function expire(deps: DeliveryDeps, delivery: Delivery, envelope: Envelope): Promise<void> {
  if (deps.continueWorkflow && hasContinuation(envelope)) {
    // An expired chord member must still be counted, or the chord would wait for it forever.
    const error = new TaskExpired(envelope.expires ?? 'an unknown time');
    try {
      await deps.continueWorkflow(envelope, { kind: 'failure', error, reason: 'not-retryable' });
    } catch (failure) {
      const reason = unsendableStepReason(failure, envelope.task);
      if (reason !== undefined) return reject(deps, delivery, reason, envelope.task);
      deps.log.error(
        { err: failure, taskId: envelope.id },
        'could not continue the workflow of an expired task; its lease will expire',
      );
      return;
    }
  }
  await deps.acks.ack(delivery);
  deps.log.warn(
    { taskId: envelope.id, task: envelope.task, expires: envelope.expires },
    'task expired; not run',
  );
  deps.events.emitSafely('task:expired', {
    id: envelope.id,
    task: envelope.task,
    queue: envelope.queue,
    retries: envelope.retries,
  });
  await storeEndState(deps, envelope, 'EXPIRED');
}
