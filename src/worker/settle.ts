import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/contract/index.ts';
import { hasContinuation } from '../canvas/continue-workflow.ts';
import { unsendableStepReason } from '../canvas/unsendable-step.ts';
import { type Envelope, toWire } from '../envelope/envelope.ts';
import { TaskRevoked } from '../errors/errors.ts';
import type { WorkerEvents } from '../events/worker-events.ts';
import type { Outcome } from '../middleware/middleware.ts';
import type { Serializer } from '../serializers/serializer.ts';
import type { RegisteredTask } from '../task/registry.ts';
import type { AckBatcher } from './ack-batcher.ts';

/** What settling a finished attempt needs. */
export interface SettleDeps {
  broker: Broker;
  /** Sends what follows a task that ended for good (chain steps, callbacks, chord joins). */
  continueWorkflow?: (envelope: Envelope, outcome: Outcome) => Promise<void>;
  acks: AckBatcher;
  serializer: Serializer;
  events: WorkerEvents;
  log: Logger;
}

/** The dead-letter reason for a failed attempt. */
export function failureReason(
  outcome: Extract<Outcome, { kind: 'failure' }>,
  envelope: Envelope,
  max: number,
): string {
  const error = `${outcome.error.name}: ${outcome.error.message}`;
  if (outcome.reason === 'exhausted' && max === 0) return `failed, retries disabled: ${error}`;
  if (outcome.reason === 'exhausted')
    return `retries exhausted (${envelope.retries} of ${max}): ${error}`;
  if (outcome.reason === 'rejected') return `rejected: ${error}`;
  return `failed, not retryable: ${error}`;
}

/**
 * Acks, retries or dead-letters a delivery after its attempt. With `acksLate: false` the
 * message was acked on receipt, so a retry is published anew and a failure cannot be
 * dead-lettered.
 */
export async function settle(
  deps: SettleDeps,
  task: RegisteredTask,
  delivery: Delivery,
  envelope: Envelope,
  outcome: Outcome,
  runtimeMs: number,
): Promise<void> {
  const { id, task: name, queue, retries } = envelope;
  const acked = !task.options.acksLate;
  if (outcome.kind !== 'retry' && deps.continueWorkflow && hasContinuation(envelope)) {
    // Before the ack: if sending the next steps fails for a passing reason, the message is not
    // acked and the task runs again, rather than the workflow stopping here.
    const unsendable = await continueWorkflow(deps.continueWorkflow, envelope, outcome);
    if (unsendable !== undefined) return endUnsendable(deps, delivery, envelope, unsendable, acked);
  }
  if (outcome.kind === 'success') {
    // Not awaited: the slot is free for the next task while the ack joins the next batch (it
    // rides in the same round trip as the next reserve). Shutdown flushes pending acks.
    if (!acked) void deps.acks.ack(delivery);
    // Checked first: the record would be built for every task even with info logging off.
    if (deps.log.isLevelEnabled('info'))
      deps.log.info({ taskId: envelope.id, task: envelope.task, runtimeMs }, 'task succeeded');
    // Each event is written out as a literal, never `{ ...base, more }`: on Node 20 that spread
    // builds a fresh hidden class per object, whose leftovers were nearly all the memory a busy
    // worker promoted to its old generation (about 190 bytes a task).
    deps.events.emitSafely('task:succeeded', { id, task: name, queue, retries, runtimeMs });
    return;
  }
  if (outcome.kind === 'retry') {
    const retryAt = Date.now() + outcome.delayMs;
    // Time in queue of the next attempt counts from when it is due.
    const next = { ...envelope, retries: envelope.retries + 1, sentAt: retryAt };
    const body = deps.serializer.encode(toWire(next));
    if (acked)
      await deps.broker.enqueue([
        {
          id: envelope.id,
          queue: delivery.queue,
          body,
          priority: delivery.priority,
          availableAt: retryAt,
        },
      ]);
    else await deps.broker.nack(delivery, { retryAt, body });
    deps.log.warn(
      {
        taskId: envelope.id,
        task: envelope.task,
        retry: envelope.retries + 1,
        delayMs: outcome.delayMs,
        error: `${outcome.error.name}: ${outcome.error.message}`,
      },
      'task failed; retrying',
    );
    deps.events.emitSafely('task:retried', {
      id,
      task: name,
      queue,
      retries,
      delayMs: outcome.delayMs,
      error: outcome.error,
      runtimeMs,
    });
    return;
  }
  if (outcome.error instanceof TaskRevoked) {
    // Terminated on request: not a failure to retry or dead-letter.
    if (!acked) await deps.acks.ack(delivery);
    deps.log.warn({ taskId: envelope.id, task: envelope.task }, outcome.error.message);
    deps.events.emitSafely('task:revoked', {
      id,
      task: name,
      queue,
      retries,
      reason: outcome.error.message,
    });
    return;
  }
  const reason = failureReason(outcome, envelope, task.options.retry.max);
  deps.log.error(
    { taskId: envelope.id, task: envelope.task, err: outcome.error },
    `task failed: ${reason}`,
  );
  deps.events.emitSafely('task:failed', {
    id,
    task: name,
    queue,
    retries,
    error: outcome.error,
    reason,
    runtimeMs,
  });
  if (acked) return;
  if (task.options.deadLetter) await deadLetter(deps, delivery, reason);
  else await deps.acks.ack(delivery);
}

/** Sends the next steps; returns why they never can be sent, or throws a passing failure. */
async function continueWorkflow(
  send: NonNullable<SettleDeps['continueWorkflow']>,
  envelope: Envelope,
  outcome: Outcome,
): Promise<string | undefined> {
  try {
    await send(envelope, outcome);
    return undefined;
  } catch (error) {
    const reason = unsendableStepReason(error, envelope.task);
    if (reason === undefined) throw error;
    return reason;
  }
}

/** A task whose next steps can never be sent: dead-lettered (acked already: only logged). */
async function endUnsendable(
  deps: SettleDeps,
  delivery: Delivery,
  envelope: Envelope,
  reason: string,
  acked: boolean,
): Promise<void> {
  deps.log.error({ taskId: envelope.id, task: envelope.task }, reason);
  if (!acked) await deadLetter(deps, delivery, reason);
}

/** Moves a delivery to the dead-letter queue with its reason. */
export async function deadLetter(
  deps: Pick<SettleDeps, 'broker' | 'events'>,
  delivery: Delivery,
  reason: string,
): Promise<void> {
  await deps.broker.nack(delivery, { deadLetter: true, reason });
  deps.events.emitSafely('message:dead-lettered', {
    id: delivery.id,
    queue: delivery.queue,
    reason,
  });
}
