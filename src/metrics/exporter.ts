import { collectDefaultMetrics, Registry } from 'prom-client';
import type { App } from '../app/app.ts';
import type { Unsubscribe } from '../brokers/contract/broadcast.ts';
import type { Coordination, QueueAdmin, WorkerRegistry } from '../brokers/contract/index.ts';
import { ClusterGauges } from './cluster-gauges.ts';
import { MetricsServer } from './metrics-server.ts';
import { TaskMetrics } from './task-metrics.ts';

/** The exporter's registry and what feeds it. */
export interface ExporterMetrics {
  /** The registry every metric is on, Node's default metrics included: the one to serve. */
  registry: Registry;
  /** Task counters and histograms; feed them cluster events with `record`. */
  tasks: TaskMetrics;
  /** Queue depths and live workers, read from the broker at scrape time. */
  gauges: ClusterGauges;
}

/** Every metric the exporter serves, on a registry of its own. */
export function createExporterMetrics(
  broker: QueueAdmin & Pick<Coordination, 'workers'>,
  workers: WorkerRegistry | undefined = broker.workers,
): ExporterMetrics {
  const registry = new Registry();
  const tasks = new TaskMetrics({ registry });
  const gauges = new ClusterGauges(broker, { registry, workers });
  collectDefaultMetrics({ register: registry });
  return { registry, tasks, gauges };
}

/** Where the exporter listens. */
export interface ExporterOptions {
  /** 0 picks a free port. */
  port: number;
  /** The address to listen on; default 0.0.0.0, every interface. */
  host?: string;
}

/** A running exporter. */
export interface Exporter {
  /** The HTTP server; its `url` is where to scrape. */
  readonly server: MetricsServer;
  /** The registry it serves: task metrics, cluster gauges and Node's default metrics. */
  readonly registry: Registry;
  /** False when the broker cannot carry events: only queue and worker gauges are served. */
  readonly hearsEvents: boolean;
  /** Stops listening to events and serving. */
  close(): Promise<void>;
}

/**
 * Serves cluster-wide metrics: task metrics from the events every worker started with events
 * on (`--events`) publishes, and queue depths and workers read from the broker at scrape time.
 * `/readyz` answers 200 while the broker answers.
 */
export async function startExporter(app: App, options: ExporterOptions): Promise<Exporter> {
  const metrics = createExporterMetrics(app.broker, app.coordination.workers);
  await app.connect();
  const unsubscribe = await hearEvents(app, metrics.tasks);
  let server: MetricsServer;
  try {
    server = await MetricsServer.start({
      registry: metrics.registry,
      port: options.port,
      host: options.host,
      ready: () => metrics.gauges.ready(),
    });
  } catch (error) {
    await unsubscribe?.();
    throw error;
  }
  return {
    server,
    registry: metrics.registry,
    hearsEvents: unsubscribe !== undefined,
    close: async () => {
      await unsubscribe?.();
      await server.close();
    },
  };
}

/** Subscribes to the cluster's events; without a broadcast on the broker, warns and goes on. */
async function hearEvents(app: App, tasks: TaskMetrics): Promise<Unsubscribe | undefined> {
  if (!app.coordination.broadcast) {
    app.log.warn(
      'this broker carries no events between processes: serving queue and worker metrics only',
    );
    return undefined;
  }
  return app.events.receive((event) => tasks.record(event));
}
