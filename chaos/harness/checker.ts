import type { ChaosBroker, ChaosReport } from '../scenario.ts';
import type { LedgerEntry } from './ledger.ts';

/** One injected fault, as the scenario recorded it. */
export interface Fault {
  /** What was done, in words (`kill -9 worker 1234`). */
  what: string;
  /** Epoch ms when the fault began. */
  at: number;
  /** Epoch ms when it ended: the kill itself, or the server answering again. */
  endedAt: number;
  /** Processes the fault hit: only tasks they started may run twice because of it. */
  pids: number[];
  /** The most tasks this fault can make run twice (what the hit processes held). */
  inFlight: number;
}

/** Messages still in the broker after the final drain, summed over the scenario's queues. */
export interface Leftover {
  ready: number;
  reserved: number;
  delayed: number;
}

/** Everything the checker judges: ledgers, dead letters, what is left, and the faults. */
export interface CheckInput {
  scenario: string;
  broker: ChaosBroker;
  entries: LedgerEntry[];
  /** Dead letters by task key, with their reasons. */
  dead: Map<string, string>;
  leftover: Leftover;
  faults: Fault[];
  /** Ledger lines that could not be parsed. */
  torn?: number;
  /** Violations the scenario found by its own checks (a chord callback run twice, …). */
  violations?: string[];
}

/** Keys grouped by what the ledger says happened to them. */
interface Tally {
  attempted: Set<string>;
  accepted: Set<string>;
  ended: Set<string>;
  starts: Map<string, LedgerEntry[]>;
}

function tally(entries: LedgerEntry[]): Tally {
  const t: Tally = {
    attempted: new Set(),
    accepted: new Set(),
    ended: new Set(),
    starts: new Map(),
  };
  for (const e of entries) {
    if (e.kind === 'attempt') t.attempted.add(e.key);
    else if (e.kind === 'accepted') t.accepted.add(e.key);
    else if (e.kind === 'end') t.ended.add(e.key);
    else if (e.kind === 'start') {
      const list = t.starts.get(e.key);
      if (list) list.push(e);
      else t.starts.set(e.key, [e]);
    }
  }
  return t;
}

/** Runs beyond the first, summed over keys, and the duplicated keys no fault explains. */
function duplicates(t: Tally, faults: Fault[]): { extra: number; unexplained: string[] } {
  const hit = new Set(faults.flatMap((f) => f.pids));
  let extra = 0;
  const unexplained: string[] = [];
  for (const [key, runs] of t.starts) {
    if (runs.length < 2) continue;
    extra += runs.length - 1;
    // A redelivery follows a run by a process a fault hit; any other second run is a defect.
    if (!runs.some((r) => hit.has(r.pid))) unexplained.push(key);
  }
  return { extra, unexplained };
}

/** Milliseconds from each fault's end to the first task ended after it; the worst of them. */
export function recoveryMs(entries: LedgerEntry[], faults: Fault[]): number | undefined {
  const ends = entries.filter((e) => e.kind === 'end').map((e) => e.at);
  let worst: number | undefined;
  for (const fault of faults) {
    const next = ends
      .filter((at) => at >= fault.endedAt)
      .reduce((a, b) => Math.min(a, b), Infinity);
    if (next === Infinity) continue;
    worst = Math.max(worst ?? 0, next - fault.endedAt);
  }
  return worst;
}

const sample = (keys: string[]) => keys.slice(0, 5).join(', ') + (keys.length > 5 ? ', …' : '');

/** The Jepsen total-queue checks over one run: lost, duplicated, unexpected, stuck. */
export function check(input: CheckInput): ChaosReport {
  const t = tally(input.entries);
  const done = (key: string) => t.ended.has(key) || (input.dead.get(key) ?? '') !== '';
  const accepted = [...t.accepted];
  const lost = accepted.filter((key) => !done(key));
  const ranKeys = new Set([...t.starts.keys(), ...t.ended, ...input.dead.keys()]);
  const unexpected = [...ranKeys].filter((key) => !t.attempted.has(key));
  const dup = duplicates(t, input.faults);
  const inFlightBound = input.faults.reduce((sum, f) => sum + f.inFlight, 0);
  const { ready, reserved, delayed } = input.leftover;
  const violations = [...(input.violations ?? [])];
  if (lost.length > 0) violations.push(`${lost.length} accepted tasks never ran: ${sample(lost)}`);
  if (dup.extra > inFlightBound)
    violations.push(`${dup.extra} duplicate runs exceed the in-flight bound ${inFlightBound}`);
  if (dup.unexplained.length > 0)
    violations.push(`tasks ran twice with no fault on either run: ${sample(dup.unexplained)}`);
  if (unexpected.length > 0)
    violations.push(`${unexpected.length} tasks ran that were never sent: ${sample(unexpected)}`);
  if (ready + reserved + delayed > 0)
    violations.push(
      `messages left in the broker: ${ready} ready, ${reserved} reserved, ${delayed} delayed`,
    );
  const noReason = [...input.dead].filter(([, reason]) => reason === '').map(([key]) => key);
  if (noReason.length > 0) violations.push(`dead letters without a reason: ${sample(noReason)}`);
  const twice = [...input.dead.keys()].filter((key) => t.ended.has(key));
  if (twice.length > 0) violations.push(`tasks both ran and were dead-lettered: ${sample(twice)}`);
  if ((input.torn ?? 0) > 0) violations.push(`${input.torn} ledger lines were cut short`);
  return {
    scenario: input.scenario,
    broker: input.broker,
    sent: t.attempted.size,
    accepted: t.accepted.size,
    run: accepted.length - lost.length,
    lost: lost.length,
    duplicated: dup.extra,
    inFlightBound,
    unexpected: unexpected.length,
    recoverMs: recoveryMs(input.entries, input.faults),
    violations,
  };
}
