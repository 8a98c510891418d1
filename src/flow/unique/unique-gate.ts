import type { Coordination } from '../../brokers/contract/index.ts';
import type { UniqueStore } from '../../brokers/contract/unique-store.ts';
import type { Envelope } from '../../envelope/envelope.ts';
import type { Outcome } from '../../middleware/middleware.ts';
import type { AdmissionGate } from '../admission.ts';
import { claimOf } from './unique-key.ts';
import { type UniqueSpec, uniqueSpecOf } from './unique-option.ts';

/**
 * Ends or renews a unique task's claim as it runs. It must be the last gate: admitting a
 * `while: 'queued'` task releases its claim, which is right only if the task starts now.
 */
export function uniqueGate(coordination: Pick<Coordination, 'uniques'>): AdmissionGate {
  return {
    appliesTo: (task) => task.options.unique !== undefined,
    async admit(task, envelope) {
      const key = claimOf(envelope);
      const spec = uniqueSpecOf(task.options.unique);
      const store = coordination.uniques;
      // Sent by a workflow (or before the task was unique): it holds no claim.
      if (!key || !spec || !store) return { kind: 'run' };
      if (spec.while === 'queued') {
        await store.releaseUnique(envelope.queue, key, envelope.id);
        return { kind: 'run' };
      }
      // From the start, ttl bounds the run, as a lock's would.
      await store.extendUnique(envelope.queue, key, envelope.id, spec.ttlMs);
      return {
        kind: 'run',
        release: (outcome) => settleClaim(store, spec, envelope, key, outcome),
      };
    },
  };
}

/**
 * A `queued-or-running` claim after an attempt: kept through a retry (and renewed to cover its
 * delay plus ttl), released when the task ended for good, kept when the attempt did not settle
 * (its message comes back and runs again).
 */
async function settleClaim(
  store: UniqueStore,
  spec: UniqueSpec,
  envelope: Envelope,
  key: string,
  outcome: Outcome | undefined,
): Promise<void> {
  if (outcome === undefined) return;
  if (outcome.kind === 'retry') {
    await store.extendUnique(envelope.queue, key, envelope.id, outcome.delayMs + spec.ttlMs);
    return;
  }
  await store.releaseUnique(envelope.queue, key, envelope.id);
}
