/**
 * Prometheus metrics for workers and the cluster. A subpath of its own, so an app that serves
 * no metrics never loads prom-client. See docs/metrics.md.
 *
 * @module celeriac/metrics
 */
export { ClusterGauges, type ClusterGaugesOptions } from './cluster-gauges.ts';
export {
  createExporterMetrics,
  type Exporter,
  type ExporterMetrics,
  type ExporterOptions,
  startExporter,
} from './exporter.ts';
export {
  MetricsServer,
  type MetricsServerOptions,
  type ReadyCheck,
} from './metrics-server.ts';
export {
  DURATION_BUCKETS,
  type LabelLimits,
  TaskMetrics,
  type TaskMetricsOptions,
} from './task-metrics.ts';
export {
  serveWorkerMetrics,
  type WorkerMetrics,
  type WorkerMetricsOptions,
} from './worker-metrics.ts';
