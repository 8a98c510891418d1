import { openBrokerEnv } from '../harness/broker-env.ts';
import { leftover, waitFor } from '../harness/drain.ts';
import { type LedgerEntry, readLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startCli, startWorker } from '../harness/processes.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';
import { TASKS } from './worker-kill-cycles.ts';

const NAME = 'beat leader kill -9';
const QUEUE = 'chaos';
const LEADS = /"msg":"beat: leading/;
/** The fixture's entry runs every second; the leaders' lease is short so takeovers are quick. */
const EVERY_MS = 1000;
const LEASE_MS = 2000;
/** Documented in docs/beat.md: a leader killed between a tick's claim and its send loses it. */
const LOST_PER_KILL = 1;
const SCALE = { short: { kills: 1 }, full: { kills: 4 } } as const;

/**
 * kill -9 of the leading scheduler while two run: the standby takes over within the lease, no
 * tick is run twice for the same due time, and at most one tick per kill is lost (the one the
 * leader may have claimed and not yet sent).
 */
export const beatLeaderKill: ChaosScenario = {
  name: NAME,
  brokers: ['sqlite', 'redis'],
  run: (broker, scale) => runBeatKills(broker, scale),
};

async function runBeatKills(broker: ChaosBroker, scale: ChaosScale): Promise<ChaosReport> {
  const env = await openBrokerEnv(broker);
  const processes: ChaosProcess[] = [];
  const beat = () => {
    const p = startCli('beat', ['beat', '-A', TASKS, '--lease', `${LEASE_MS}ms`], env.env);
    processes.push(p);
    return p;
  };
  const ticks = () => readLedger(env.ledgerDir).entries.filter((e) => e.kind === 'tick');
  try {
    processes.push(
      await startWorker({ app: TASKS, queues: [QUEUE], concurrency: 4, lease: '2s' }, env.env),
    );
    beat();
    beat();
    const kills: number[] = [];
    for (let n = 0; n < SCALE[scale].kills; n++) {
      const live = processes.filter((p) => p.role === 'beat' && p.running());
      const leader = await Promise.race(live.map((p) => p.waitFor(LEADS).then(() => p)));
      const before = ticks().length;
      await waitFor('three ticks under this leader', () => ticks().length >= before + 3);
      kills.push(Date.now());
      await leader.kill9();
      beat(); // a fresh standby, so two schedulers run again
    }
    const last = kills.at(-1) ?? Date.now();
    await waitFor('ticks well past the last takeover', () =>
      ticks().some((t) => t.at > last + LEASE_MS + 3 * EVERY_MS),
    );
    const violations = await stopGracefully(
      processes.filter((p) => p.role === 'beat' && p.running()),
    );
    await waitFor('the queue to drain', async () => {
      const left = await leftover(env.app, [QUEUE]);
      return left.ready + left.reserved + left.delayed === 0;
    });
    violations.push(...(await stopGracefully(processes.filter((p) => p.role === 'worker'))));
    return judgeTicks(broker, ticks(), kills, violations);
  } finally {
    await killAll(processes);
    await env.close();
  }
}

/** Counts ticks run twice and due times missing between the first and the last tick run. */
export function judgeTicks(
  broker: ChaosBroker,
  ticks: LedgerEntry[],
  kills: number[],
  violations: string[],
): ChaosReport {
  const runs = new Map<number, number>();
  for (const t of ticks) runs.set(Number(t.key), (runs.get(Number(t.key)) ?? 0) + 1);
  const due = [...runs.keys()].sort((a, b) => a - b);
  const first = due[0] ?? 0;
  const expected =
    due.length === 0 ? 0 : Math.round(((due.at(-1) ?? first) - first) / EVERY_MS) + 1;
  const missing = expected - due.length;
  const duplicated = [...runs.values()].reduce((sum, n) => sum + n - 1, 0);
  const allowed = LOST_PER_KILL * kills.length;
  const lost = Math.max(0, missing - allowed);
  if (duplicated > 0) violations.push(`${duplicated} ticks ran twice for the same due time`);
  if (lost > 0)
    violations.push(`${missing} ticks missing, more than the ${allowed} the kills may lose`);
  if (due.some((d) => (d - first) % EVERY_MS !== 0)) violations.push('a tick ran off its schedule');
  return {
    scenario: NAME,
    broker,
    sent: expected,
    accepted: expected,
    run: due.length,
    lost,
    duplicated,
    inFlightBound: 0,
    unexpected: 0,
    recoverMs: takeoverMs(ticks, kills),
    violations,
    notes: [`${missing} of ${expected} due ticks missing (bound: ${allowed}, one per kill)`],
  };
}

/** The worst time from a kill to the next tick that ran. */
function takeoverMs(ticks: LedgerEntry[], kills: number[]): number | undefined {
  const gaps = kills.map((k) => Math.min(...ticks.filter((t) => t.at > k).map((t) => t.at)) - k);
  const finite = gaps.filter(Number.isFinite);
  return finite.length === 0 ? undefined : Math.max(...finite);
}
