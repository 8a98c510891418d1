import type { Logger } from 'pino';
import type { Coordination, Delivery } from '../brokers/contract/index.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { Outcome } from '../middleware/middleware.ts';
import type { Serializer } from '../serializers/serializer.ts';
import type { RegisteredTask } from '../task/registry.ts';
import type { LeaseKeeper } from '../worker/lease-keeper.ts';

/** What the gates need of the app: the coordination stores, and how to encode a message. */
export interface GateHost {
  /** Where slots, rate limits and unique claims live. */
  readonly coordination: Coordination;
  /** The coordination as errors name it (`the broker …`). */
  readonly coordinationLabel: string;
  /** Encodes the body of a deferred message. */
  readonly serializer: Serializer;
  /** Where the gates log a store's failure. */
  readonly log: Logger;
  /** Encodes an envelope, refusing one over the payload limit. */
  encode(envelope: Envelope): Uint8Array;
}

/** What a worker gives its gates. */
export interface GateContext {
  app: GateHost;
  leases: LeaseKeeper;
  /** The worker's lease length: slots held by running tasks are renewed with it. */
  leaseMs: number;
}

/** Whether a delivered message may start now. */
export type Admission =
  /**
   * Run it; `release` (when given) is called once the attempt has settled, with its outcome
   * (undefined when it did not settle here: deferred by a later gate, or its message comes back).
   */
  | { kind: 'run'; release?: (outcome?: Outcome) => Promise<void> }
  /**
   * Not now: the message goes back to the broker until `until` (its slot frees at once).
   * `body` replaces the message's body when given (to carry a booking, say); `rateLimited`
   * marks a rate limit's deferral (events tell them from a lock's).
   */
  | { kind: 'defer'; until: number; reason: string; body?: Uint8Array; rateLimited?: boolean }
  /** Never: this attempt fails for good (dead-lettered with `reason`), say a key function threw. */
  | { kind: 'reject'; reason: string };

/**
 * One flow-control check a delivery passes before it runs (locks, concurrency per key, rate
 * limits). Gates run in order; when one defers or rejects, those before it are released.
 */
export interface AdmissionGate {
  /** True when this gate has something to say about `task`; others are skipped for it. */
  appliesTo(task: RegisteredTask): boolean;
  /** Decides for one delivery. Throwing leaves the message to its lease (it runs again later). */
  admit(task: RegisteredTask, envelope: Envelope, delivery: Delivery): Promise<Admission>;
}

/** The admission of a delivery no gate has anything to say about. */
export const RUN_NOW: Admission = { kind: 'run' };

/** True when any gate applies to `task`: a delivery of any other task skips admission. */
export function needsAdmission(gates: readonly AdmissionGate[], task: RegisteredTask): boolean {
  return gates.some((gate) => gate.appliesTo(task));
}

/** Runs the gates that apply; the first deferral or rejection wins and releases what earlier gates took. */
export async function admit(
  gates: readonly AdmissionGate[],
  task: RegisteredTask,
  envelope: Envelope,
  delivery: Delivery,
): Promise<Admission> {
  const releases: Array<(outcome?: Outcome) => Promise<void>> = [];
  const releaseAll = async (outcome?: Outcome) => {
    for (const release of releases.reverse()) await release(outcome);
  };
  for (const gate of gates) {
    if (!gate.appliesTo(task)) continue;
    let admission: Admission;
    try {
      admission = await gate.admit(task, envelope, delivery);
    } catch (error) {
      await releaseAll();
      throw error;
    }
    if (admission.kind !== 'run') {
      await releaseAll();
      return admission;
    }
    if (admission.release) releases.push(admission.release);
  }
  return releases.length === 0 ? RUN_NOW : { kind: 'run', release: releaseAll };
}
