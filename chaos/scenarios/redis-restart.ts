import { setTimeout as sleep } from 'node:timers/promises';
import { type ChaosBrokerEnv, openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { waitFor } from '../harness/drain.ts';
import { finish, openRunsAt, startsBy } from '../harness/finish.ts';
import { openLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker } from '../harness/processes.ts';
import { LedgerProducer, startLoad } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';
import { TASKS } from './worker-kill-cycles.ts';

const NAME = 'redis kill -9 and restart';
const QUEUE = 'chaos';
const WORKERS = 3;
const CONCURRENCY = 8;
/** Down for less than the publish timeout (10 s): sends wait through it and succeed. */
const DOWN_MS = 1500;
const SCALE = { short: { restarts: 1 }, full: { restarts: 3 } } as const;

/**
 * SIGKILL of the suite's redis-server (AOF, fsync always) under load, then a restart on the
 * same port and data: every accepted task runs, and the workers carry on by themselves.
 */
export const redisRestart: ChaosScenario = {
  name: NAME,
  brokers: ['redis'],
  run: (_broker, scale) => runRestarts(scale),
};

async function runRestarts(scale: ChaosScale): Promise<ChaosReport> {
  const env = await openBrokerEnv('redis');
  const spec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease: '2s' };
  const workers: ChaosProcess[] = [];
  try {
    workers.push(
      ...(await Promise.all(Array.from({ length: WORKERS }, () => startWorker(spec, env.env)))),
    );
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'r');
    const load = startLoad(
      producer,
      { task: 'chaos.work', queue: QUEUE, args: () => [10] },
      20,
      100,
    );
    const faults: Fault[] = [];
    for (let n = 0; n < SCALE[scale].restarts; n++)
      faults.push(await restartUnderLoad(env, workers));
    await moreRuns(env, workers, 100);
    await load.stop();
    const report = await finish(env, { scenario: NAME, queues: [QUEUE], faults, drainMs: 90_000 });
    const resumed = workers.filter((w) => startsBy(env, w.pid) > 0).length;
    report.notes = [
      `${resumed} of ${WORKERS} workers ran tasks; ${faults.length} restarts of ${DOWN_MS} ms`,
    ];
    report.violations.push(...(await stopGracefully(workers)));
    return report;
  } finally {
    await killAll(workers);
    await env.close();
  }
}

/** Lets the workers run, kills Redis, waits, restarts it; the fault covers every worker. */
async function restartUnderLoad(env: ChaosBrokerEnv, workers: ChaosProcess[]): Promise<Fault> {
  const redis = env.redis;
  if (!redis) throw new Error('the Redis restart scenario needs the suite’s own redis-server');
  await moreRuns(env, workers, 100);
  const at = Date.now();
  await redis.kill();
  await sleep(DOWN_MS);
  await redis.restart();
  // Open runs may end during the outage with their acks failing; finished ones may be unacked.
  const inFlight = openRunsAt(env, at) + WORKERS * CONCURRENCY;
  return {
    what: `kill -9 redis-server, down ${DOWN_MS} ms`,
    at,
    endedAt: Date.now(),
    pids: workers.map((w) => w.pid),
    inFlight,
  };
}

/** Waits until the workers ran `count` more tasks: load before a fault, progress after it. */
async function moreRuns(
  env: ChaosBrokerEnv,
  workers: ChaosProcess[],
  count: number,
): Promise<void> {
  const runs = () => workers.reduce((sum, w) => sum + startsBy(env, w.pid), 0);
  const before = runs();
  await waitFor(`${count} more runs`, () => runs() >= before + count);
}
