import type { Logger } from 'pino';
import type { ResultBackend } from '../backends/backend.ts';
import type { Broker, Coordination } from '../brokers/contract/index.ts';
import type { EventSink } from '../events/event-sink.ts';
import type { Serializer } from '../serializers/serializer.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Duration } from '../time/duration.ts';

/** Settings of a worker; every one can be given on the command line too. */
export interface WorkerConfig {
  /** Queues to consume, in priority order. */
  queues?: string[];
  /** Tasks run at once by one worker. */
  concurrency?: number;
  /** How long a reservation holds without renewal; renewed while the task runs. */
  lease?: Duration;
  /** How long a graceful shutdown waits for running tasks before returning them to the queue. */
  shutdownTimeout?: Duration;
  /** How long one reserve call waits for a message before looping. */
  pollTimeout?: Duration;
  /** Where handlers run: `async` (default), `threads` or `process`. */
  pool?: 'async' | 'threads' | 'process';
  /** Replace a pool child after this many tasks (threads and process pools). */
  maxTasksPerChild?: number;
  /** Replace a pool child whose memory passes this size (`200MB`), after its task. */
  maxMemoryPerChild?: string | number;
  /** Serve Prometheus metrics and health probes on this port (0: any free port); off by default. */
  metricsPort?: number;
}

/** What happens to task and worker events (docs/monitoring.md). */
export interface EventsConfig {
  /**
   * Publish this process's events over the broker for `celeriac events`, the exporter and
   * `app.events.receive()` (a worker's `--events`). Default false: no per-task broker writes.
   */
  send?: boolean;
  /** Export this process's events to external stores. */
  sinks?: EventSink[];
}

/** The app's one typed configuration object; validated when the app is created. */
export interface AppConfig {
  /** A broker URL (`sqlite://path`, `memory://`) or instance. Default: sqlite://.celeriac/broker.db */
  broker?: string | Broker;
  /**
   * Where the cluster's shared state lives (rate limits, locks, beat, broadcast, revokes, the
   * worker registry): a URL of a broker that keeps it (`redis://…`, `sqlite://…`) or an object
   * with those stores. Default: the broker's own. Unique claims always stay with the broker.
   */
  coordination?: string | Coordination;
  /** A result backend URL or instance; none by default. */
  backend?: string | ResultBackend;
  /** Run `delay()` inline, for unit tests (like Celery's task_always_eager). */
  eager?: boolean;
  /** Queue of tasks that name none and match no route. */
  defaultQueue?: string;
  /** Task-name glob (`emails.*`) to queue; the first match wins. */
  routes?: Record<string, string>;
  /** Largest encoded message accepted by `delay()`. Default 256 KiB. */
  maxPayloadBytes?: number;
  /** How long results are kept. Default 1 day; 0 keeps them forever. */
  resultTtl?: Duration;
  /** Store no results for any task unless a task says otherwise. */
  ignoreResult?: boolean;
  /** Encodes and decodes message bodies; default JSON. */
  serializer?: Serializer;
  /** Defaults for every task: retries, limits, expiry, acks. */
  taskDefaults?: TaskOptions;
  /** Defaults of every worker of this app; a worker's own options override them. */
  worker?: WorkerConfig;
  /** Whether events are published over the broker, and where they are exported. */
  events?: EventsConfig;
  /** A pino logger to use instead of the default one. */
  logger?: Logger;
  /** The level of the default logger; default `info`. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** `json` lines or `pretty` text; default: pretty on a terminal, JSON otherwise. */
  logFormat?: 'json' | 'pretty';
}

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
export const DEFAULT_RESULT_TTL = '1d';

/** Environment variables that override the config, and the keys they set. */
export const ENV_OVERRIDES = {
  CELERIAC_BROKER_URL: 'broker',
  CELERIAC_COORDINATION_URL: 'coordination',
  CELERIAC_RESULT_BACKEND: 'backend',
  CELERIAC_EAGER: 'eager',
  CELERIAC_DEFAULT_QUEUE: 'defaultQueue',
  CELERIAC_MAX_PAYLOAD_BYTES: 'maxPayloadBytes',
  CELERIAC_RESULT_TTL: 'resultTtl',
  CELERIAC_IGNORE_RESULT: 'ignoreResult',
  CELERIAC_LOG_LEVEL: 'logLevel',
  CELERIAC_LOG_FORMAT: 'logFormat',
  CELERIAC_CONCURRENCY: 'worker.concurrency',
  CELERIAC_QUEUES: 'worker.queues',
  CELERIAC_LEASE: 'worker.lease',
  CELERIAC_SHUTDOWN_TIMEOUT: 'worker.shutdownTimeout',
  CELERIAC_POOL: 'worker.pool',
  CELERIAC_MAX_TASKS_PER_CHILD: 'worker.maxTasksPerChild',
  CELERIAC_MAX_MEMORY_PER_CHILD: 'worker.maxMemoryPerChild',
  CELERIAC_METRICS_PORT: 'worker.metricsPort',
  CELERIAC_EVENTS: 'events.send',
} as const;
