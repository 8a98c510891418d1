import type { ChaosReport } from '../scenario.ts';
import type { ChaosBrokerEnv } from './broker-env.ts';
import { check, type Fault } from './checker.ts';
import { deadByKey, drain, leftover } from './drain.ts';
import { readLedger } from './ledger.ts';

/** How a scenario ends its run. */
export interface FinishSpec {
  scenario: string;
  queues: string[];
  faults: Fault[];
  /** How long the final drain may take (default 60 s). */
  drainMs?: number;
  /** The scenario's own findings, added to the checker's. */
  violations?: string[];
}

/** The final drain, then the checker over the ledgers, dead letters and the queues' counts. */
export async function finish(env: ChaosBrokerEnv, spec: FinishSpec): Promise<ChaosReport> {
  const drained = await drain(env.app, env.ledgerDir, spec.queues, spec.drainMs ?? 60_000);
  const { entries, torn } = readLedger(env.ledgerDir);
  const violations = [...(spec.violations ?? [])];
  if (!drained)
    violations.push(`the final drain did not finish within ${spec.drainMs ?? 60_000} ms`);
  return check({
    scenario: spec.scenario,
    broker: env.broker,
    entries,
    torn,
    dead: await deadByKey(env.app),
    leftover: await leftover(env.app, spec.queues),
    faults: spec.faults,
    violations,
  });
}

/** Keys a process's ledger shows started and not ended: what it held when it was killed. */
export function openRuns(env: ChaosBrokerEnv, pid: number): number {
  const open = new Set<string>();
  for (const e of readLedger(env.ledgerDir).entries) {
    if (e.pid !== pid) continue;
    if (e.kind === 'start') open.add(e.key);
    else if (e.kind === 'end') open.delete(e.key);
  }
  return open.size;
}

/** Runs the ledger's `start` entries of one process: how far it got. */
export function startsBy(env: ChaosBrokerEnv, pid: number): number {
  return readLedger(env.ledgerDir).entries.filter((e) => e.kind === 'start' && e.pid === pid)
    .length;
}

/** Runs started and not ended at instant `at`, over every worker: what a broker fault caught. */
export function openRunsAt(env: ChaosBrokerEnv, at: number): number {
  const open = new Set<string>();
  for (const e of readLedger(env.ledgerDir).entries) {
    if (e.at > at) continue;
    if (e.kind === 'start') open.add(`${e.pid} ${e.key}`);
    else if (e.kind === 'end') open.delete(`${e.pid} ${e.key}`);
  }
  return open.size;
}
