import { fileURLToPath } from 'node:url';
import { openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { finish } from '../harness/finish.ts';
import { readLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startNode, startWorker } from '../harness/processes.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';
import { TASKS } from './worker-kill-cycles.ts';

const PRODUCER = fileURLToPath(new URL('../fixtures/producer.ts', import.meta.url));
const NAME = 'producer kill -9 mid-delayMany';
const QUEUE = 'chaos';
const SCALE = {
  short: { kills: 1, size: 400 },
  full: { kills: 3, size: 2000 },
} as const;

/**
 * kill -9 of a producer in the middle of a big `delayMany()`: every batch it resolved runs,
 * what it never resolved may or may not, and nothing is left half-visible in the broker.
 */
export const producerKill: ChaosScenario = {
  name: NAME,
  brokers: ['sqlite', 'redis'],
  run: (broker, scale) => runProducerKills(broker, scale),
};

async function runProducerKills(broker: ChaosBroker, scale: ChaosScale): Promise<ChaosReport> {
  const { kills, size } = SCALE[scale];
  const env = await openBrokerEnv(broker);
  const spec = { app: TASKS, queues: [QUEUE], concurrency: 20, lease: '2s' };
  const processes: ChaosProcess[] = [];
  try {
    processes.push(...(await Promise.all([0, 1].map(() => startWorker(spec, env.env)))));
    const faults: Fault[] = [];
    for (let n = 0; n < kills; n++) faults.push(await killProducerMidBatch(env.env, size, n));
    const report = await finish(env, { scenario: NAME, queues: [QUEUE], faults });
    report.notes = partialBatches(env.ledgerDir);
    report.violations.push(...(await stopGracefully(processes)));
    return report;
  } finally {
    await killAll(processes);
    await env.close();
  }
}

/** Starts a producer, lets two batches through, kills it while the next is being sent. */
async function killProducerMidBatch(
  env: Record<string, string>,
  size: number,
  n: number,
): Promise<Fault> {
  const producer = startNode('producer', ['--import', 'tsx', PRODUCER], {
    ...env,
    CHAOS_KEY_PREFIX: `p${n}`,
    CHAOS_BATCH_SIZE: String(size),
    CHAOS_BATCHES: '100',
  });
  await producer.waitFor(/^batch 1 accepted$/);
  // Batch 2 is on its way now; a little more of it each kill, so kills land at different points.
  await new Promise((resolve) => setTimeout(resolve, 5 + 15 * n));
  const at = Date.now();
  await producer.kill9();
  return {
    what: `kill -9 producer ${producer.pid}`,
    at,
    endedAt: Date.now(),
    pids: [producer.pid],
    inFlight: 0,
  };
}

/** Batches the killed producers never saw resolve, and how much of each ran. */
function partialBatches(ledgerDir: string): string[] {
  const { entries } = readLedger(ledgerDir);
  const accepted = new Set(entries.filter((e) => e.kind === 'accepted').map((e) => e.key));
  const ended = new Set(entries.filter((e) => e.kind === 'end').map((e) => e.key));
  const batches = new Map<string, { attempted: number; ran: number }>();
  for (const e of entries) {
    if (e.kind !== 'attempt' || accepted.has(e.key)) continue;
    const batch = e.key.replace(/-\d+$/, '');
    const b = batches.get(batch) ?? { attempted: 0, ran: 0 };
    b.attempted++;
    if (ended.has(e.key)) b.ran++;
    batches.set(batch, b);
  }
  return [...batches].map(
    ([batch, b]) => `unresolved batch ${batch}: ${b.ran} of ${b.attempted} ran`,
  );
}
