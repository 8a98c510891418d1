import type { Delivery } from '../brokers/contract/index.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { Outcome } from '../middleware/middleware.ts';
import { storeOutcome } from '../middleware/result-layer.ts';
import type { DeliveryDeps } from '../worker/delivery-deps.ts';
import { settle } from '../worker/settle.ts';
import { attemptBatch } from './batch-attempt.ts';
import type { RegisteredBatchTask } from './batch-spec.ts';

/** A buffered message of a batch task: its delivery (lease held) and its decoded envelope. */
export interface BatchEntry {
  delivery: Delivery;
  envelope: Envelope;
}

/**
 * Runs one batch in the caller's executor slot, then settles each message as a single task's
 * would be: results stored, then acked, retried alone with its backoff, or dead-lettered.
 * Never rejects; every lease is released at the end.
 */
export async function runBatch(
  deps: DeliveryDeps,
  task: RegisteredBatchTask,
  entries: BatchEntry[],
): Promise<void> {
  const held = entries.map(({ envelope }) => deps.inHand?.receive(envelope));
  for (const h of held) if (h) deps.inHand?.start(h);
  for (const { envelope } of entries) deps.events.emitSafely('task:started', taskEvent(envelope));
  if (deps.log.isLevelEnabled('debug'))
    deps.log.debug({ task: task.name, size: entries.length }, 'batch started');
  const started = performance.now();
  try {
    await storeStarted(deps, task, entries);
    const outcomes = await attemptBatch(
      task,
      entries.map((entry) => entry.envelope),
      { eager: false, log: deps.log, signal: deps.shutdown },
    );
    const runtimeMs = Math.round(performance.now() - started);
    await Promise.all(
      entries.map((entry, i) => finish(deps, task, entry, outcomes[i] as Outcome, runtimeMs)),
    );
  } finally {
    for (const { delivery } of entries) deps.leases.release(delivery);
    for (const h of held) if (h) deps.inHand?.drop(h);
  }
}

/** Stores and settles one item; a broker or backend error is logged, never thrown. */
async function finish(
  deps: DeliveryDeps,
  task: RegisteredBatchTask,
  { delivery, envelope }: BatchEntry,
  outcome: Outcome,
  runtimeMs: number,
): Promise<void> {
  // A released message is back in the queue already (shutdown): its next run owns its outcome.
  if (!deps.leases.isHeld(delivery)) return;
  try {
    if (deps.backend && !task.options.ignoreResult)
      await storeOutcome(deps.backend, deps.resultTtlMs, deps.log, envelope, outcome);
    await settle(deps, task, delivery, envelope, outcome, runtimeMs);
  } catch (error) {
    deps.log.error(
      { err: error, taskId: envelope.id },
      'worker error while settling a batch item; its lease will expire',
    );
  }
}

async function storeStarted(
  deps: DeliveryDeps,
  task: RegisteredBatchTask,
  entries: BatchEntry[],
): Promise<void> {
  const backend = deps.backend;
  if (!backend || task.options.ignoreResult || !task.options.trackStarted) return;
  await Promise.all(
    entries.map(({ envelope }) =>
      backend
        .set(
          {
            id: envelope.id,
            task: envelope.task,
            state: 'STARTED',
            retries: envelope.retries,
            updatedAt: Date.now(),
          },
          deps.resultTtlMs,
        )
        .catch((error: unknown) =>
          deps.log.error({ err: error, taskId: envelope.id }, 'could not store STARTED state'),
        ),
    ),
  );
}

/** The facts worker events carry about one message. */
export function taskEvent(envelope: Envelope) {
  return {
    id: envelope.id,
    task: envelope.task,
    queue: envelope.queue,
    retries: envelope.retries,
  };
}
