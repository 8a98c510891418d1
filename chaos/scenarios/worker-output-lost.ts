import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mountSmallTmpfs, type SmallTmpfs } from '../../test/support/small-tmpfs.ts';
import { launchWorker } from '../env/launch-worker.ts';
import { notRootReason } from '../env/run-command.ts';
import { openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { waitFor } from '../harness/drain.ts';
import { finish } from '../harness/finish.ts';
import { openLedger, readLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker, type WorkerSpec } from '../harness/processes.ts';
import { LedgerProducer } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';

const TASKS = fileURLToPath(new URL('../fixtures/tasks.ts', import.meta.url));
const QUEUE = 'chaos';
const CONCURRENCY = 4;
/** How long SIGTERM may take before the suite gives up and sends SIGKILL. */
const GRACE_MS = 20_000;
const SCALE = { short: { taskMs: 1_500 }, full: { taskMs: 5_000 } } as const;

/** Where the worker's stdout goes, and how it breaks. */
export type OutputSink = 'pipe closed' | 'pipe not read' | 'log on full disk';

/** The broken sink: `place` for the worker's launch, `breakIt` once it runs. */
interface Sink {
  stdout?: number | Writable;
  /** Resolves once the worker logged that it consumes. */
  online(worker: ChaosProcess): Promise<void>;
  breakIt(worker: ChaosProcess): Promise<void>;
  close(): Promise<void>;
}

/**
 * The worker's stdout stops taking lines, then SIGTERM: the pipe's reader exits (`| head -1`,
 * a log shipper that restarted), or it stays but reads nothing (a log shipper that hangs, so
 * the pipe fills), or stdout is a file on a full disk. The worker still stops gracefully:
 * exit 0, its running tasks finished and not run again.
 */
export function workerOutputLost(sink: OutputSink): ChaosScenario {
  const name = `SIGTERM with worker stdout ${sink}`;
  return {
    name,
    brokers: ['sqlite', 'redis'],
    unavailable: async () => (sink === 'log on full disk' ? notRootReason() : undefined),
    run: (broker, scale) => runOutputLost(name, sink, broker, scale),
  };
}

async function pipeSink(): Promise<Sink> {
  return {
    online: async () => undefined,
    // The read end's only holder is this process: closing it is the reader going away.
    breakIt: async (worker) => void worker.child.stdout?.destroy(),
    close: async () => undefined,
  };
}

/** The pipe's buffer on Linux is 64 KiB by default; this is well past it. */
const PIPE_FILL_BYTES = 1 << 20;

async function stalledPipeSink(): Promise<Sink> {
  // A reader that holds the pipe open and never reads from it.
  const reader = spawn('sleep', ['3600'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => reader.once('close', resolve));
  reader.stdin.on('error', () => undefined);
  return {
    stdout: reader.stdin,
    online: async () => undefined,
    // Fills what the kernel buffers, so the worker's next line finds the pipe full.
    breakIt: async () => void reader.stdin.write(Buffer.alloc(PIPE_FILL_BYTES, 0x0a)),
    async close() {
      reader.kill('SIGKILL');
      await exited;
    },
  };
}

async function fullDiskSink(): Promise<Sink> {
  const mounted = await mountSmallTmpfs(1 << 20);
  if (!mounted.tmpfs) throw new Error(mounted.reason);
  const tmpfs: SmallTmpfs = mounted.tmpfs;
  const log = join(tmpfs.dir, 'worker.log');
  const fd = openSync(log, 'a');
  return {
    stdout: fd,
    async online() {
      closeSync(fd);
      await waitFor('the worker to log that it is online', () =>
        readFileSync(log, 'utf8').includes('"msg":"worker online"'),
      );
    },
    breakIt: async () => void (await tmpfs.fill()),
    close: () => tmpfs.unmount(),
  };
}

const SINKS: Record<OutputSink, () => Promise<Sink>> = {
  'pipe closed': pipeSink,
  'pipe not read': stalledPipeSink,
  'log on full disk': fullDiskSink,
};

/** Keys the worker `pid` started and has not ended. */
function openKeys(ledgerDir: string, pid: number): Set<string> {
  const open = new Set<string>();
  for (const e of readLedger(ledgerDir).entries.filter((x) => x.pid === pid)) {
    if (e.kind === 'start') open.add(e.key);
    else if (e.kind === 'end') open.delete(e.key);
  }
  return open;
}

/** Keys the worker `pid` ended. */
function endedKeys(ledgerDir: string, pid: number): Set<string> {
  const entries = readLedger(ledgerDir).entries;
  return new Set(entries.filter((e) => e.kind === 'end' && e.pid === pid).map((e) => e.key));
}

async function runOutputLost(
  name: string,
  sinkKind: OutputSink,
  broker: ChaosBroker,
  scale: ChaosScale,
): Promise<ChaosReport> {
  const env = await openBrokerEnv(broker);
  const sink = await SINKS[sinkKind]().catch(async (e) => {
    await env.close();
    throw e;
  });
  const workers: ChaosProcess[] = [];
  try {
    const spec: WorkerSpec = { app: TASKS, queues: [QUEUE], concurrency: CONCURRENCY, lease: '2s' };
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'o');
    const work = { task: 'chaos.work', queue: QUEUE, args: () => [SCALE[scale].taskMs] };
    await producer.sendBatch(work, CONCURRENCY * 3);
    const victim = await launchWorker(spec, env.env, { stdout: sink.stdout });
    workers.push(victim);
    await sink.online(victim);
    await waitFor(
      `worker ${victim.pid} to run ${CONCURRENCY} tasks`,
      () => openKeys(env.ledgerDir, victim.pid).size >= CONCURRENCY,
    );
    const at = Date.now();
    await sink.breakIt(victim);
    const running = openKeys(env.ledgerDir, victim.pid);
    const exit = await victim.terminate(GRACE_MS);
    const endedAt = Date.now();
    const violations: string[] = [];
    if (exit.code !== 0) {
      const how = exit.signal ? `was killed with ${exit.signal}` : `exited ${exit.code}`;
      violations.push(`on SIGTERM with its ${sinkKind} the worker ${how} after ${endedAt - at} ms`);
    }
    const ended = endedKeys(env.ledgerDir, victim.pid);
    const abandoned = [...running].filter((key) => !ended.has(key));
    if (abandoned.length > 0)
      violations.push(`${abandoned.length} tasks running at SIGTERM were not finished by it`);
    // A fresh worker drains the rest; a graceful stop leaves nothing to run twice.
    workers.push(await startWorker(spec, env.env));
    const what = `${sinkKind}, then SIGTERM to worker ${victim.pid}`;
    const faults: Fault[] = [{ what, at, endedAt, pids: [victim.pid], inFlight: 0 }];
    const report = await finish(env, { scenario: name, queues: [QUEUE], faults, violations });
    report.violations.push(...(await stopGracefully(workers.slice(1))));
    return report;
  } finally {
    await killAll(workers);
    await sink.close().catch(() => undefined);
    await env.close();
  }
}
