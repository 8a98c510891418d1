import { fileURLToPath } from 'node:url';
import { openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { waitFor } from '../harness/drain.ts';
import { finish, openRuns, startsBy } from '../harness/finish.ts';
import { openLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker, type WorkerSpec } from '../harness/processes.ts';
import { LedgerProducer, startLoad } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';

/** The chaos suite's task module, as workers load it (-A). */
export const TASKS = fileURLToPath(new URL('../fixtures/tasks.ts', import.meta.url));
const QUEUE = 'chaos';
const CONCURRENCY = 8;
/** Runs the victim makes before each kill, so every kill lands under load. */
const RUNS_BEFORE_KILL = 20;
const SCALE = {
  short: { cycles: 2, batch: 10, everyMs: 100 },
  full: { cycles: 10, batch: 25, everyMs: 100 },
} as const;

/** Options of the scenario; `fixtureFault` arms the broken fixture (the suite's self-test). */
export interface WorkerKillOptions {
  name?: string;
  fixtureFault?: string;
}

/**
 * kill -9 of one worker under load, again and again, with two other workers running: nothing
 * accepted is lost, and only what a killed worker held may run twice.
 */
export function workerKillCycles(options: WorkerKillOptions = {}): ChaosScenario {
  const name = options.name ?? 'worker kill -9 cycles';
  return {
    name,
    brokers: ['sqlite', 'redis'],
    run: (broker, scale) => runCycles(name, broker, scale, options.fixtureFault),
  };
}

async function runCycles(
  name: string,
  broker: ChaosBroker,
  scale: ChaosScale,
  fixtureFault: string | undefined,
): Promise<ChaosReport> {
  const { cycles, batch, everyMs } = SCALE[scale];
  const env = await openBrokerEnv(broker);
  const workerEnv = { ...env.env, ...(fixtureFault ? { CHAOS_FIXTURE_FAULT: fixtureFault } : {}) };
  const spec: WorkerSpec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease: '2s' };
  const workers: ChaosProcess[] = [];
  try {
    workers.push(...(await Promise.all([0, 1, 2].map(() => startWorker(spec, workerEnv)))));
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'w');
    const load = startLoad(
      producer,
      { task: 'chaos.work', queue: QUEUE, args: () => [5] },
      batch,
      everyMs,
    );
    const faults: Fault[] = [];
    for (let cycle = 0; cycle < cycles; cycle++) {
      const victim = workers.shift() as ChaosProcess;
      await waitFor(
        `worker ${victim.pid} to run ${RUNS_BEFORE_KILL} tasks`,
        () => startsBy(env, victim.pid) >= RUNS_BEFORE_KILL,
      ).catch((error: Error) => {
        const tail = victim.output().split('\n').slice(-3).join('\n');
        throw new Error(
          `${error.message} (last send error: ${load.lastError() ?? 'none'}); worker output:\n${tail}`,
        );
      });
      const at = Date.now();
      await victim.kill9();
      // Open runs are exact; a slot frees before its ack is sent, so up to `concurrency`
      // finished tasks may still be unacked and come back too.
      const inFlight = openRuns(env, victim.pid) + CONCURRENCY;
      faults.push({
        what: `kill -9 worker ${victim.pid}`,
        at,
        endedAt: Date.now(),
        pids: [victim.pid],
        inFlight,
      });
      workers.push(await startWorker(spec, workerEnv));
    }
    const failedBatches = await load.stop();
    const report = await finish(env, { scenario: name, queues: [QUEUE], faults });
    if (failedBatches > 0)
      report.violations.push(`${failedBatches} batches failed to send with no fault on the broker`);
    report.violations.push(...(await stopGracefully(workers)));
    return report;
  } finally {
    await killAll(workers);
    await env.close();
  }
}
