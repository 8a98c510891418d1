import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { App } from '../../app/app.ts';
import { POOL_NAMES, type PoolName } from '../../executors/pool-name.ts';
import type { WorkerMetrics } from '../../metrics/worker-metrics.ts';
import { type AutoscaleOptions, parseAutoscale } from '../../worker/autoscaler.ts';
import type { Worker, WorkerOptions } from '../../worker/worker.ts';
import { CliError, loadApp } from '../load-app.ts';
import {
  byteSize,
  duration,
  logLevelOption,
  port,
  positiveInt,
  queueList,
} from '../parse-options.ts';
import { exitAfterLogs, ignoreStdioWriteErrors, logSafely } from '../quiet-output.ts';
import { superviseWithWatch, watchOption, watchPathOption } from '../watch/watch-supervisor.ts';
import { buildScheduler } from './beat.ts';

interface WorkerFlags {
  app: string;
  broker?: string;
  queues?: string[];
  concurrency?: number;
  hostname?: string;
  loglevel?: string;
  lease?: number;
  shutdownTimeout?: number;
  pool?: PoolName;
  maxTasksPerChild?: number;
  maxMemoryPerChild?: number;
  autoscale?: AutoscaleOptions;
  watch?: boolean;
  watchPath?: string[];
  beat?: boolean;
  events?: boolean;
  metricsPort?: number;
  metricsHost?: string;
  queueMetrics: boolean;
}

/** `celeriac worker`: consume queues until SIGTERM/SIGINT. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker that consumes queues and executes tasks')
    .requiredOption(
      '-A, --app <module>',
      'task module that exports the app (TypeScript or JavaScript)',
    )
    .option('-b, --broker <url>', 'broker URL, overriding the app config')
    .option('-Q, --queues <list>', 'comma-separated queues, consumed in this order', queueList)
    .option('-c, --concurrency <n>', 'tasks run at once', positiveInt)
    .option('-n, --hostname <name>', 'node name, e.g. node1@%h')
    .addOption(logLevelOption())
    .option(
      '--lease <duration>',
      'lease per reserved task, renewed while it runs (default 30s)',
      duration,
    )
    .option(
      '--shutdown-timeout <duration>',
      'how long a graceful stop waits for running tasks (default 30s)',
      duration,
    )
    .addOption(
      new Option(
        '-P, --pool <name>',
        'where tasks run: async (this process), threads, or process (child processes)',
      ).choices(POOL_NAMES),
    )
    .option(
      '--autoscale <max,min>',
      'grow from min to max slots with a backlog, shrink when idle (instead of -c)',
      autoscaleFlag,
    )
    .option(
      '--max-tasks-per-child <n>',
      'replace a pool child after this many tasks (threads, process)',
      positiveInt,
    )
    .option(
      '--max-memory-per-child <size>',
      'replace a pool child whose memory passes this size, e.g. 200MB (threads, process)',
      byteSize,
    )
    .option('--beat', 'also run the periodic-task scheduler in this process (docs/beat.md)')
    .option(
      '-E, --events',
      'publish task and worker events on the broker (celeriac events, exporter; docs/events.md)',
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus /metrics, /healthz and /readyz on this port; 0 picks one (docs/metrics.md)',
      port,
    )
    .option('--metrics-host <host>', 'interface of the metrics port (default 0.0.0.0)')
    .option(
      '--no-queue-metrics',
      "leave queue depths off this worker's /metrics (an exporter serves them)",
    )
    .addOption(watchOption())
    .addOption(watchPathOption())
    .action(async (flags: WorkerFlags) => runWorker(flags));
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  ignoreStdioWriteErrors();
  if (flags.watch) return superviseWithWatch(flags);
  const app = await loadApp(flags);
  const worker = buildWorker(app, {
    queues: flags.queues,
    concurrency: flags.concurrency,
    name: flags.hostname?.replace('%h', (await import('node:os')).hostname()),
    lease: flags.lease,
    shutdownTimeout: flags.shutdownTimeout,
    pool: flags.pool,
    appModule: resolve(flags.app),
    maxTasksPerChild: flags.maxTasksPerChild,
    maxMemoryPerChild: flags.maxMemoryPerChild,
    autoscale: flags.autoscale,
    events: flags.events,
  });
  const scheduler = flags.beat ? buildScheduler(app, {}) : undefined;
  // Served before consuming: a port in use stops the worker before it takes any task.
  const metrics = await serveMetrics(app, worker, flags);
  // The stop starts before the line that reports it: a log write that fails or waits (a closed
  // pipe, a full disk, a user's logger) must never be what keeps a worker from stopping.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      void scheduler?.stop();
      void worker.stop();
      logSafely(() =>
        app.log.warn(
          { signal },
          'stopping gracefully; send the signal again to return running tasks now',
        ),
      );
    } else {
      void worker.stopNow();
      logSafely(() =>
        app.log.warn({ signal }, 'stopping now: returning running tasks to the queue'),
      );
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await worker.start();
    await scheduler?.start();
  } catch (error) {
    await metrics?.close();
    throw error;
  }
  await new Promise<void>((resolve) => worker.events.once('worker:offline', () => resolve()));
  await scheduler?.stop();
  await metrics?.close();
  await app.close();
  // A handler that ignored its abort signal may still hold timers or sockets: do not wait for it.
  await exitAfterLogs(0);
}

/**
 * The worker's metrics endpoint when a port is set (flag or config). Loaded only then: importing
 * prom-client would slow down every start of the CLI.
 */
async function serveMetrics(
  app: App,
  worker: Worker,
  flags: WorkerFlags,
): Promise<WorkerMetrics | undefined> {
  const port = flags.metricsPort ?? app.config.worker?.metricsPort;
  if (port === undefined) return undefined;
  const { serveWorkerMetrics } = await import('../../metrics/worker-metrics.ts');
  const metrics = await serveWorkerMetrics(app, worker, {
    port,
    host: flags.metricsHost,
    queueMetrics: flags.queueMetrics,
  });
  app.log.info({ url: metrics.server.url }, `metrics on ${metrics.server.url}`);
  return metrics;
}

/** The worker, or a usage error (exit 2) for options that do not fit together. */
function buildWorker(app: App, options: WorkerOptions): Worker {
  try {
    return app.worker(options);
  } catch (error) {
    if (error instanceof RangeError) throw new CliError(error.message, 2);
    throw error;
  }
}

/** Commander parser for `--autoscale max,min`. */
function autoscaleFlag(value: string): AutoscaleOptions {
  try {
    return parseAutoscale(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
