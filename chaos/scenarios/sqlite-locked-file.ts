import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { lockSqliteFile } from '../env/sqlite-lock.ts';
import { openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { waitFor } from '../harness/drain.ts';
import { finish, openRuns, startsBy } from '../harness/finish.ts';
import { openLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker, type WorkerSpec } from '../harness/processes.ts';
import { LedgerProducer } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';
import { startSingleSends, unclearRejections } from './single-sends.ts';

const TASKS = fileURLToPath(new URL('../fixtures/tasks.ts', import.meta.url));
const NAME = 'sqlite file locked';
const QUEUE = 'chaos';
const CONCURRENCY = 4;
/** Past the broker's busy timeout (5 s), so waiting alone does not get through. */
const SCALE = { short: { holdMs: 7_000 }, full: { holdMs: 20_000 } } as const;

/**
 * Another process holds `BEGIN EXCLUSIVE` on the broker file for longer than the busy
 * timeout while producers send and workers run: sends wait or fail with an error naming the
 * file, nothing accepted is lost, and consumption resumes once the lock is gone.
 */
export function sqliteLockedFile(): ChaosScenario {
  return {
    name: NAME,
    brokers: ['sqlite', 'redis'],
    unavailable: async (broker) =>
      broker === 'redis'
        ? 'a file lock is a SQLite fault; Redis holds no file clients share'
        : undefined,
    run: (_broker, scale) => runLocked(scale),
  };
}

async function runLocked(scale: ChaosScale): Promise<ChaosReport> {
  const env = await openBrokerEnv('sqlite');
  const workers: ChaosProcess[] = [];
  try {
    const spec: WorkerSpec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease: '2s' };
    workers.push(...(await Promise.all([0, 1].map(() => startWorker(spec, env.env)))));
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'l');
    const sends = startSingleSends(
      producer,
      { task: 'chaos.work', queue: QUEUE, args: () => [100] },
      20,
    );
    await waitFor('the workers to run tasks', () =>
      workers.every((w) => startsBy(env, w.pid) >= 5),
    );
    const at = Date.now();
    const lock = await lockSqliteFile(join(env.dir, 'broker.db'));
    const inFlight = workers.reduce((sum, w) => sum + openRuns(env, w.pid) + CONCURRENCY, 0);
    await sleep(SCALE[scale].holdMs);
    await lock.release();
    const endedAt = Date.now();
    // Load after the release: consumption must resume on its own.
    await sleep(2_000);
    const rejections = await sends.stop();
    const what = `BEGIN EXCLUSIVE held for ${SCALE[scale].holdMs / 1000} s by another process`;
    const faults: Fault[] = [{ what, at, endedAt, pids: workers.map((w) => w.pid), inFlight }];
    const violations = unclearRejections(rejections, 'broker.db');
    const crashed = workers.filter((w) => !w.running());
    if (crashed.length > 0) violations.push(`${crashed.length} workers exited during the lock`);
    const report = await finish(env, { scenario: NAME, queues: [QUEUE], faults, violations });
    report.violations.push(...(await stopGracefully(workers.filter((w) => w.running()))));
    return report;
  } finally {
    await killAll(workers);
    await env.close();
  }
}
