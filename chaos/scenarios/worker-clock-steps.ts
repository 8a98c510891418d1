import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createFakeClock, fakeClockUnavailable } from '../env/fake-clock.ts';
import { openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { waitFor } from '../harness/drain.ts';
import { finish, startsBy } from '../harness/finish.ts';
import { type LedgerEntry, openLedger, readLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker, type WorkerSpec } from '../harness/processes.ts';
import { LedgerProducer, startLoad } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';

const TASKS = fileURLToPath(new URL('../fixtures/real-clock-tasks.ts', import.meta.url));
const NAME = 'worker clock steps';
const QUEUE = 'chaos';
/** The fixture's beat queue (`TICK_QUEUE`): not imported, that module builds an app on load. */
const TICK_QUEUE = 'chaos.ticks';
const CONCURRENCY = 4;
/** The wall-clock offsets in turn: steps of +1 h, -1 h, -1 h (behind), +10 min. */
const OFFSETS_S = [3_600, 0, -3_600, -3_000];
const COUNTDOWN_MS = 3_000;
const ETA_TASKS = 5;
/** Ticks of a 1 s schedule beyond the phase's seconds that still are not a burst. */
const TICK_SLACK = 2;
const SCALE = { short: { phaseMs: 5_000 }, full: { phaseMs: 15_000 } } as const;

/**
 * The wall clock of workers steps forwards and back (libfaketime) while they run tasks, beat
 * and countdowns: no task lost or run twice, no burst of ticks after a step forward nor a
 * tick fired twice after a step back, no countdown early. On Redis one worker's clock steps
 * (a machine of its own); on SQLite every worker's does (one machine shares the file).
 */
export function workerClockSteps(): ChaosScenario {
  return {
    name: NAME,
    brokers: ['sqlite', 'redis'],
    unavailable: async () => fakeClockUnavailable(),
    run: (broker, scale) => runClockSteps(broker, scale),
  };
}

/** One phase at one offset, in real epoch ms. */
interface Phase {
  offsetS: number;
  from: number;
  to: number;
  /** Countdown tasks sent as the phase began: key to the real time they are due. */
  due: Map<string, number>;
}

async function runClockSteps(broker: ChaosBroker, scale: ChaosScale): Promise<ChaosReport> {
  const { phaseMs } = SCALE[scale];
  const env = await openBrokerEnv(broker);
  const clock = createFakeClock(env.dir);
  const workers: ChaosProcess[] = [];
  try {
    const spec: WorkerSpec = {
      app: TASKS,
      queues: [QUEUE, TICK_QUEUE],
      concurrency: CONCURRENCY,
      lease: '3s',
    };
    const stepped = { ...env.env, ...clock.env };
    workers.push(await startWorker({ ...spec, extra: ['--beat'] }, stepped));
    workers.push(await startWorker(spec, broker === 'sqlite' ? stepped : env.env));
    const steppedPids = broker === 'sqlite' ? workers.map((w) => w.pid) : [workers[0]?.pid ?? 0];
    const ledger = openLedger(env.ledgerDir, 'producer');
    const producer = new LedgerProducer(env.app, ledger, 'c');
    const load = startLoad(
      producer,
      { task: 'chaos.work', queue: QUEUE, args: () => [200] },
      4,
      200,
    );
    await waitFor('the workers to run tasks', () =>
      workers.every((w) => startsBy(env, w.pid) >= 5),
    );
    const phases: Phase[] = [];
    for (const offsetS of [0, ...OFFSETS_S]) {
      clock.setOffset(offsetS);
      const from = Date.now();
      const due = await sendCountdowns(env.app, ledger, phases.length);
      await sleep(phaseMs);
      phases.push({ offsetS, from, to: Date.now(), due });
    }
    clock.setOffset(0);
    await load.stop();
    // A clock step is no reason for a task to run twice: the bound is 0.
    const faults: Fault[] = phases.slice(1).map((p, i) => ({
      what: `wall clock of ${steppedPids.join(', ')} to ${p.offsetS} s (step ${i + 1})`,
      at: p.from,
      endedAt: p.from,
      pids: steppedPids,
      inFlight: 0,
    }));
    const report = await finish(env, { scenario: NAME, queues: [QUEUE], faults });
    const entries = readLedger(env.ledgerDir).entries;
    const eta = etaFindings(entries, phases, broker);
    report.violations.push(...tickViolations(entries, phases), ...eta.violations);
    report.notes = [...(report.notes ?? []), ...tickNotes(entries, phases), ...eta.notes];
    report.violations.push(...(await stopGracefully(workers)));
    return report;
  } finally {
    await killAll(workers);
    clock.remove();
    await env.close();
  }
}

/** Sends the phase's countdown tasks; resolves with each key's real due time. */
async function sendCountdowns(
  app: Awaited<ReturnType<typeof openBrokerEnv>>['app'],
  ledger: ReturnType<typeof openLedger>,
  phase: number,
): Promise<Map<string, number>> {
  const due = new Map<string, number>();
  for (let i = 0; i < ETA_TASKS; i++) {
    const key = `eta${phase}-${i}`;
    ledger.write('attempt', key);
    const sentAt = Date.now();
    await app.sendTask('chaos.work', [key, 0], { queue: QUEUE, countdown: COUNTDOWN_MS });
    ledger.write('accepted', key);
    due.set(key, sentAt + COUNTDOWN_MS);
  }
  return due;
}

/** Ticks sent twice for one due time, and phases with more ticks than seconds (a burst). */
function tickViolations(entries: LedgerEntry[], phases: Phase[]): string[] {
  const ticks = entries.filter((e) => e.kind === 'tick');
  const seen = new Map<string, number>();
  for (const t of ticks) seen.set(t.key, (seen.get(t.key) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([key]) => key);
  const violations =
    twice.length > 0
      ? [`${twice.length} beat ticks fired twice: ${twice.slice(0, 3).join(', ')}`]
      : [];
  for (const p of phases) {
    const n = ticks.filter((t) => t.at >= p.from && t.at < p.to).length;
    const most = Math.ceil((p.to - p.from) / 1000) + TICK_SLACK;
    if (n > most)
      violations.push(
        `${n} ticks of a 1 s schedule in ${p.to - p.from} ms at offset ${p.offsetS} s`,
      );
  }
  return violations;
}

/** How many ticks each phase got: a stall after a step back shows here. */
function tickNotes(entries: LedgerEntry[], phases: Phase[]): string[] {
  const ticks = entries.filter((e) => e.kind === 'tick');
  const counts = phases.map((p) => {
    const n = ticks.filter((t) => t.at >= p.from && t.at < p.to).length;
    return `${p.offsetS} s: ${n}`;
  });
  return [
    `beat ticks per phase (offset: ticks in ${phases[0] ? phases[0].to - phases[0].from : 0} ms): ${counts.join(', ')}`,
  ];
}

/**
 * Countdown tasks that started before they were due. On Redis a worker's own clock must not
 * decide that (a violation); on SQLite the machine's clock is the broker's, and a step forward
 * makes a wall-clock eta due: reported, not failed.
 */
function etaFindings(entries: LedgerEntry[], phases: Phase[], broker: ChaosBroker) {
  const firstStart = new Map<string, number>();
  for (const e of entries) {
    if (e.kind === 'start' && !firstStart.has(e.key)) firstStart.set(e.key, e.at);
  }
  const early: string[] = [];
  for (const p of phases) {
    for (const [key, due] of p.due) {
      const start = firstStart.get(key);
      if (start !== undefined && start < due)
        early.push(`${key} ${due - start} ms early (offset ${p.offsetS} s)`);
    }
  }
  if (early.length === 0) return { violations: [], notes: [] };
  const finding = `${early.length} countdown tasks ran early on a stepped clock: ${early.slice(0, 3).join(', ')}`;
  return broker === 'sqlite'
    ? { violations: [], notes: [finding] }
    : { violations: [finding], notes: [] };
}
