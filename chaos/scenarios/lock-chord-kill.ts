import { chord } from '../../src/index.ts';
import { type ChaosBrokerEnv, openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { waitFor } from '../harness/drain.ts';
import { finish, openRuns } from '../harness/finish.ts';
import { type LedgerEntry, openLedger, readLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker } from '../harness/processes.ts';
import { LedgerProducer } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';
import { TASKS } from './worker-kill-cycles.ts';

const NAME = 'worker kill -9 holding locks and chord members';
const QUEUE = 'chaos';
const CONCURRENCY = 8;
const SLOTS = 3;
const CHORD_KEY = 'chord';
const SCALE = {
  short: { locked: 15, limited: 15, members: 40 },
  full: { locked: 60, limited: 60, members: 300 },
} as const;

/**
 * kill -9 of a worker while it runs tasks holding locks and per-key concurrency slots, and chord
 * members: the holds expire with the lease so every task runs, no two runs of a lock overlap,
 * no slot runs more than its limit, and the chord callback runs exactly once, after all members.
 */
export const lockChordKill: ChaosScenario = {
  name: NAME,
  brokers: ['sqlite', 'redis'],
  run: (broker, scale) => runLockChordKill(broker, scale),
};

async function runLockChordKill(broker: ChaosBroker, scale: ChaosScale): Promise<ChaosReport> {
  const env = await openBrokerEnv(broker);
  const spec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease: '2s' };
  const workers: ChaosProcess[] = [];
  try {
    // The victim runs alone until the kill, so it surely holds locks and members at once: its
    // locks are held for seconds while chord members run beside them. The survivor comes after.
    const victim = await startWorker(spec, env.env);
    workers.push(victim);
    await sendWorkload(env, SCALE[scale]);
    const pid = victim.pid;
    await waitFor('the victim to hold a lock and chord members', () => holds(env, pid));
    const at = Date.now();
    await victim.kill9();
    const fault: Fault = {
      what: `kill -9 worker ${pid}`,
      at,
      endedAt: Date.now(),
      pids: [pid],
      inFlight: openRuns(env, pid) + CONCURRENCY,
    };
    const survivor = await startWorker(spec, env.env);
    workers.push(survivor);
    await waitFor(
      'the chord callback',
      () => ledgerOf(env).some((e) => e.kind === 'callback'),
      90_000,
    );
    const entries = ledgerOf(env);
    const violations = [
      ...callbackViolations(entries, SCALE[scale].members),
      ...overlapViolations(entries),
    ];
    const report = await finish(env, {
      scenario: NAME,
      queues: [QUEUE],
      faults: [fault],
      violations,
    });
    report.violations.push(...(await stopGracefully([survivor])));
    return report;
  } finally {
    await killAll(workers);
    await env.close();
  }
}

const ledgerOf = (env: ChaosBrokerEnv) => readLedger(env.ledgerDir).entries;

/** Sends the locked and limited tasks (slot in the key) and one chord, all recorded. */
async function sendWorkload(env: ChaosBrokerEnv, size: (typeof SCALE)[ChaosScale]): Promise<void> {
  const ledger = openLedger(env.ledgerDir, 'producer');
  const slotOf = (key: string) => `s${Number(/(\d+)$/.exec(key)?.[1]) % SLOTS}`;
  const lockP = new LedgerProducer(env.app, ledger, 'lock');
  const limitP = new LedgerProducer(env.app, ledger, 'limit');
  await lockP.sendBatch(
    { task: 'chaos.locked', queue: QUEUE, args: (key) => [slotOf(key), 600] },
    size.locked,
  );
  await limitP.sendBatch(
    { task: 'chaos.limited', queue: QUEUE, args: (key) => [slotOf(key), 300] },
    size.limited,
  );
  const keys = Array.from({ length: size.members }, (_, n) => `member-${n}`);
  const members = keys.map((key, n) =>
    env.app.signature<number>('chaos.member', [key, n, 100], { queue: QUEUE }),
  );
  ledger.writeMany('attempt', keys);
  await chord(
    members,
    env.app.signature<number>('chaos.collect', [CHORD_KEY], { queue: QUEUE }),
  ).applyAsync();
  ledger.writeMany('accepted', keys);
}

/** Whether the process runs a locked task and a chord member right now (per its ledger). */
function holds(env: ChaosBrokerEnv, pid: number): boolean {
  const open = new Set<string>();
  for (const e of ledgerOf(env)) {
    if (e.pid !== pid) continue;
    if (e.kind === 'start') open.add(e.key);
    if (e.kind === 'end') open.delete(e.key);
  }
  const keys = [...open];
  return keys.some((k) => k.startsWith('lock-')) && keys.some((k) => k.startsWith('member-'));
}

/** Exactly one callback, with every member's value, after every member ended. */
function callbackViolations(entries: LedgerEntry[], members: number): string[] {
  const callbacks = entries.filter((e) => e.kind === 'callback');
  if (callbacks.length !== 1) return [`the chord callback ran ${callbacks.length} times`];
  const [callback] = callbacks as [LedgerEntry];
  const violations: string[] = [];
  if (Number(callback.detail) !== members)
    violations.push(`the callback got ${callback.detail} values of ${members}`);
  const firstEnds = new Map<string, number>();
  for (const e of entries) {
    if (e.kind === 'end' && e.key.startsWith('member-') && !firstEnds.has(e.key))
      firstEnds.set(e.key, e.at);
  }
  if (firstEnds.size !== members)
    violations.push(`${members - firstEnds.size} chord members never ended`);
  const early = [...firstEnds.values()].filter((at) => at > callback.at).length;
  if (early > 0) violations.push(`the callback ran before ${early} members ended`);
  return violations;
}

/** Completed runs per slot may not overlap beyond the limit (1 per lock, 2 per limited slot). */
function overlapViolations(entries: LedgerEntry[]): string[] {
  const runs = completedRuns(entries);
  const violations: string[] = [];
  for (const [prefix, limit] of [
    ['lock', 1],
    ['limit', 2],
  ] as const) {
    for (let slot = 0; slot < SLOTS; slot++) {
      const mine = runs.filter(
        (r) => r.key.startsWith(`${prefix}-`) && Number(/(\d+)$/.exec(r.key)?.[1]) % SLOTS === slot,
      );
      const most = mostAtOnce(mine);
      if (most > limit)
        violations.push(`${most} ${prefix} runs of slot s${slot} overlapped (limit ${limit})`);
    }
  }
  return violations;
}

/** [start, end] of each run that ended (the killed worker's open runs died with it). */
function completedRuns(entries: LedgerEntry[]) {
  const open = new Map<string, number>();
  const runs: Array<{ key: string; start: number; end: number }> = [];
  for (const e of entries) {
    const id = `${e.pid} ${e.key}`;
    if (e.kind === 'start') open.set(id, e.at);
    if (e.kind === 'end' && open.has(id))
      runs.push({ key: e.key, start: open.get(id) ?? e.at, end: e.at });
  }
  return runs;
}

/** The most intervals that share an instant (an end at t frees its place before a start at t). */
function mostAtOnce(runs: Array<{ start: number; end: number }>): number {
  const edges = runs.flatMap((r) => [
    { at: r.start, d: 1 },
    { at: r.end, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}
