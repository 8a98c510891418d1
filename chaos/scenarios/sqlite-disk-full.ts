import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mountSmallTmpfs, type SmallTmpfs } from '../../test/support/small-tmpfs.ts';
import { openPlacedBrokerEnv } from '../env/placed-broker-env.ts';
import { notRootReason } from '../env/run-command.ts';
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
const NAME = 'sqlite disk full';
const QUEUE = 'chaos';
const CONCURRENCY = 4;
/** Room for the schema, a backlog and the WAL; small enough to fill in a moment. */
const DISK_BYTES = 8 << 20;
const SCALE = { short: { fullMs: 4_000 }, full: { fullMs: 20_000 } } as const;

/**
 * The SQLite broker's disk fills up while producers send and workers run: `delay()` rejects
 * with an error naming the file, workers neither crash nor stop, and once space is freed every
 * accepted task runs.
 */
export function sqliteDiskFull(): ChaosScenario {
  return {
    name: NAME,
    brokers: ['sqlite', 'redis'],
    async unavailable(broker) {
      if (broker === 'redis') return "a full disk is tested on SQLite, whose file is the broker's";
      return notRootReason();
    },
    run: (_broker, scale) => runDiskFull(scale),
  };
}

async function runDiskFull(scale: ChaosScale): Promise<ChaosReport> {
  const mounted = await mountSmallTmpfs(DISK_BYTES);
  if (!mounted.tmpfs) throw new Error(mounted.reason);
  const tmpfs: SmallTmpfs = mounted.tmpfs;
  const env = await openPlacedBrokerEnv({ sqliteDir: tmpfs.dir });
  const workers: ChaosProcess[] = [];
  try {
    const spec: WorkerSpec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease: '2s' };
    workers.push(...(await Promise.all([0, 1].map(() => startWorker(spec, env.env)))));
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'd');
    const sends = startSingleSends(
      producer,
      { task: 'chaos.work', queue: QUEUE, args: () => [50] },
      10,
    );
    await waitFor('the workers to run tasks', () =>
      workers.every((w) => startsBy(env, w.pid) >= 5),
    );
    const at = Date.now();
    const filled = await tmpfs.fill();
    const inFlight = workers.reduce((sum, w) => sum + openRuns(env, w.pid) + CONCURRENCY, 0);
    await sleep(SCALE[scale].fullMs);
    const whileFull = await sends.stop();
    await tmpfs.release();
    const endedAt = Date.now();
    // Sends after the space came back must go through and run.
    const after = startSingleSends(
      producer,
      { task: 'chaos.work', queue: QUEUE, args: () => [50] },
      10,
    );
    await sleep(2_000);
    const rejections = await after.stop();
    const what = `disk full (${filled} bytes of filler) for ${SCALE[scale].fullMs / 1000} s`;
    const faults: Fault[] = [{ what, at, endedAt, pids: workers.map((w) => w.pid), inFlight }];
    const violations = unclearRejections(whileFull, 'broker.db');
    if (rejections.length > 0)
      violations.push(
        `${rejections.length} sends failed after the space was freed: ${rejections[0]}`,
      );
    const crashed = workers.filter((w) => !w.running());
    if (crashed.length > 0) violations.push(`${crashed.length} workers exited on the full disk`);
    const report = await finish(env, { scenario: NAME, queues: [QUEUE], faults, violations });
    report.violations.push(...(await stopGracefully(workers.filter((w) => w.running()))));
    const sample = whileFull[0] === undefined ? '' : `, e.g. "${whileFull[0]}"`;
    report.notes = [
      ...(report.notes ?? []),
      `${whileFull.length} sends rejected while full${sample}`,
    ];
    return report;
  } finally {
    await killAll(workers);
    await env.close();
    await tmpfs.unmount();
  }
}
