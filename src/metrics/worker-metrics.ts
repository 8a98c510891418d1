import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { App } from '../app/app.ts';
import type { Worker } from '../worker/worker.ts';
import { ClusterGauges } from './cluster-gauges.ts';
import { MetricsServer } from './metrics-server.ts';
import { registerSinkMetrics } from './sink-metrics.ts';
import { TaskMetrics } from './task-metrics.ts';

/** Where a worker serves its metrics, and which. */
export interface WorkerMetricsOptions {
  /** 0 picks a free port. */
  port: number;
  /** The address to listen on; default 0.0.0.0, every interface. */
  host?: string;
  /**
   * Also serve queue depths and live-worker counts read from the broker (default true), so a
   * one-worker setup needs no exporter. Turn off when an exporter serves them.
   */
  queueMetrics?: boolean;
}

/** A worker's metrics endpoint, running. */
export interface WorkerMetrics {
  /** The HTTP server; its `url` is where to scrape. */
  readonly server: MetricsServer;
  /** The registry it serves: this worker's task metrics, gauges and Node's default metrics. */
  readonly registry: Registry;
  /** Stops listening and stops counting this process's events. */
  close(): Promise<void>;
}

/**
 * Serves one worker process's metrics: its own task events (`app.events`), its slots and
 * running tasks, Node's process metrics, and optionally the broker's queue depths.
 * `/readyz` answers 200 while the worker consumes.
 */
export async function serveWorkerMetrics(
  app: App,
  worker: Worker,
  options: WorkerMetricsOptions,
): Promise<WorkerMetrics> {
  const registry = new Registry();
  const tasks = new TaskMetrics({ registry });
  const off = app.events.on('*', (event) => tasks.record(event));
  collectDefaultMetrics({ register: registry });
  registerOwnGauges(registry, worker);
  registerSinkMetrics(registry, app.events);
  if (options.queueMetrics ?? true)
    new ClusterGauges(app.broker, {
      registry,
      perWorker: false,
      workers: app.coordination.workers,
    });
  let server: MetricsServer;
  try {
    server = await MetricsServer.start({
      registry,
      port: options.port,
      host: options.host,
      ready: () => worker.ready || 'worker is not consuming: starting or stopping',
    });
  } catch (error) {
    off();
    throw error;
  }
  return {
    server,
    registry,
    close: async () => {
      off();
      await server.close();
    },
  };
}

/** This worker's own slots and running tasks, read when scraped. */
function registerOwnGauges(registry: Registry, worker: Worker): void {
  const labels = { worker: worker.name };
  const own = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['worker'],
      registers: [registry],
      collect() {
        this.set(labels, read());
      },
    });
  own('celeriac_worker_up', '1 for each live worker.', () => 1);
  own('celeriac_worker_active_tasks', 'Tasks running now per worker.', () => worker.active);
  own('celeriac_worker_concurrency', 'Slots per worker.', () => worker.concurrency);
}
