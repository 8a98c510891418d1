import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { launchWorker } from '../env/launch-worker.ts';
import { createNetnsLink, netnsUnavailable, sweepNetnsLeftovers } from '../env/netns.ts';
import { openPlacedBrokerEnv, withHost } from '../env/placed-broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { until, waitFor } from '../harness/drain.ts';
import { finish, openRuns, startsBy } from '../harness/finish.ts';
import { openLedger, readLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker, type WorkerSpec } from '../harness/processes.ts';
import { LedgerProducer, startLoad } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';

const TASKS = fileURLToPath(new URL('../fixtures/tasks.ts', import.meta.url));
const NAME = 'network partition';
const QUEUE = 'chaos';
const CONCURRENCY = 4;
/** Runs the partitioned worker makes before each partition, so it holds tasks when cut off. */
const RUNS_BEFORE = 10;
/** How long the cut-off worker may take to run a task again after the heal. */
const RESUME_TIMEOUT_MS = 180_000;
const SCALE = {
  short: { partitionsMs: [3_000, 5_000], lease: '2s' },
  full: { partitionsMs: [10_000, 60_000], lease: '5s' },
} as const;

/**
 * A worker in a network namespace loses its link to Redis (packets dropped, no RST) while a
 * second worker on the host keeps going: nothing accepted is lost, what the cut-off worker
 * held may run twice (its leases expire), and it consumes again after the heal.
 */
export function networkPartition(): ChaosScenario {
  return {
    name: NAME,
    brokers: ['sqlite', 'redis'],
    async unavailable(broker) {
      if (broker === 'sqlite') return 'a SQLite broker is a local file: there is no network to cut';
      return netnsUnavailable();
    },
    run: (_broker, scale) => runPartitions(scale),
  };
}

/** The first task the worker `pid` ended at or after `since` (epoch ms), if any. */
function firstEndAfter(ledgerDir: string, pid: number, since: number): number | undefined {
  const ends = readLedger(ledgerDir)
    .entries.filter((e) => e.kind === 'end' && e.pid === pid && e.at >= since)
    .map((e) => e.at);
  return ends.length > 0 ? Math.min(...ends) : undefined;
}

async function runPartitions(scale: ChaosScale): Promise<ChaosReport> {
  const { partitionsMs, lease } = SCALE[scale];
  await sweepNetnsLeftovers();
  const link = await createNetnsLink();
  const workers: ChaosProcess[] = [];
  const env = await openPlacedBrokerEnv({ redisAlsoOn: link.hostAddress }).catch(async (e) => {
    await link.remove();
    throw e;
  });
  try {
    const spec: WorkerSpec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease };
    const nsEnv = {
      ...env.env,
      CELERIAC_BROKER_URL: withHost(env.brokerUrl, link.hostAddress),
      CELERIAC_RESULT_BACKEND: withHost(env.backendUrl, link.hostAddress),
    };
    const cutOff = await launchWorker(spec, nsEnv, { prefix: link.execPrefix });
    workers.push(cutOff, await startWorker(spec, env.env));
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'p');
    const work = { task: 'chaos.work', queue: QUEUE, args: () => [100] };
    const load = startLoad(producer, work, 5, 100);
    const faults: Fault[] = [];
    const violations: string[] = [];
    let worstResumeMs = 0;
    for (const ms of partitionsMs) {
      const before = startsBy(env, cutOff.pid);
      await waitFor(
        `the namespaced worker to run ${RUNS_BEFORE} tasks`,
        () => startsBy(env, cutOff.pid) >= before + RUNS_BEFORE,
      );
      const at = Date.now();
      await link.partition();
      // What it held: open runs, plus up to a slot's worth finished but not yet acked.
      const inFlight = openRuns(env, cutOff.pid) + CONCURRENCY;
      await sleep(ms);
      await link.heal();
      const endedAt = Date.now();
      const what = `partition of worker ${cutOff.pid} for ${ms / 1000} s`;
      faults.push({ what, at, endedAt, pids: [cutOff.pid], inFlight });
      const resumed = await until(
        () => firstEndAfter(env.ledgerDir, cutOff.pid, endedAt) !== undefined,
        RESUME_TIMEOUT_MS,
      );
      const first = firstEndAfter(env.ledgerDir, cutOff.pid, endedAt);
      if (!resumed || first === undefined)
        violations.push(`after the ${what}, it ran nothing for ${RESUME_TIMEOUT_MS / 1000} s`);
      else worstResumeMs = Math.max(worstResumeMs, first - endedAt);
    }
    const failedBatches = await load.stop();
    const report = await finish(env, { scenario: NAME, queues: [QUEUE], faults, violations });
    // Recovery is the cut-off worker's: the other worker never stopped.
    report.recoverMs = worstResumeMs;
    if (failedBatches > 0)
      report.violations.push(
        `${failedBatches} batches failed to send; the producer was never cut off`,
      );
    report.violations.push(...(await stopGracefully(workers)));
    return report;
  } finally {
    await killAll(workers);
    await env.close();
    await link.remove();
  }
}
