/**
 * A fault scenario of `npm run chaos`: it starts what it needs (servers on their own ports,
 * worker and producer processes), injects one kind of fault, drains, and reports what the
 * invariant checker found. Scenarios are independent: each cleans up everything it started.
 */
export type ChaosBroker = 'sqlite' | 'redis' | 'memory';

/** How much work a scenario does: `short` runs inside `npm test` under CI, `full` in `npm run chaos`. */
export type ChaosScale = 'short' | 'full';

/** What a run of one scenario on one broker measured. */
export interface ChaosReport {
  scenario: string;
  broker: ChaosBroker;
  /** Tasks the producer tried to send. */
  sent: number;
  /** Sends the broker acknowledged (`delay()` resolved). */
  accepted: number;
  /** Distinct accepted tasks that ran at least once (or reached the DLQ with a reason). */
  run: number;
  /** Accepted tasks with no outcome after the final drain: must be 0. */
  lost: number;
  /** Extra runs beyond the first, summed over tasks. */
  duplicated: number;
  /** The most duplicates the faults allow: the tasks in flight at each fault, summed. */
  inFlightBound: number;
  /** Tasks that ran but were never accepted (and never attempted): must be 0. */
  unexpected: number;
  /** Milliseconds from the fault's end to the first task completed after it (max over faults). */
  recoverMs: number | undefined;
  /** Invariant violations in words; empty when the run passed. */
  violations: string[];
  /** What the run observed that is allowed but worth stating (a batch half sent when killed). */
  notes?: string[];
}

/** Why a scenario cannot run here (no root, no `ip`, no server binary): printed, not failed. */
export interface ChaosSkip {
  scenario: string;
  broker: ChaosBroker;
  skipped: string;
}

/** One fault scenario, run once per broker it names. */
export interface ChaosScenario {
  name: string;
  brokers: ChaosBroker[];
  /** A reason when the machine cannot run it (checked before `run`), else undefined. */
  unavailable?(broker: ChaosBroker): Promise<string | undefined>;
  run(broker: ChaosBroker, scale: ChaosScale): Promise<ChaosReport>;
}
