import { Counter, Gauge, type Registry } from 'prom-client';
import type { Coordination, QueueAdmin } from '../brokers/contract/index.ts';
import type { WorkerInfo, WorkerRegistry } from '../brokers/contract/worker-registry.ts';
import { type ClusterSnapshot, readCluster } from './cluster-snapshot.ts';

const QUEUE_STATES = ['ready', 'reserved', 'delayed', 'dead'] as const;

/** Where the cluster gauges register, and how they read the broker. */
export interface ClusterGaugesOptions {
  /** The prom-client registry the gauges register on. */
  registry: Registry;
  /** How long one read of the broker serves scrapes; default 1000 ms. */
  cacheMs?: number;
  /** How long a broker call may take before the scrape reports it down; default 3000 ms. */
  timeoutMs?: number;
  /** Serve `celeriac_worker_*{worker}` for every live worker; default true. */
  perWorker?: boolean;
  /** Most queues and workers given series of their own; default 1000 each. */
  maxSeries?: number;
  /** The clock of the cache, injectable for tests. */
  now?: () => number;
  /** Where live workers are listed (the app's coordination); default the broker's registry. */
  workers?: WorkerRegistry;
}

type Gauges = Record<
  'queueMessages' | 'brokerUp' | 'workers' | 'queueWorkers' | 'up' | 'active' | 'concurrency',
  Gauge<string> | undefined
>;

/**
 * Queue depths and live workers, read from the broker when scraped: one read serves every
 * scrape within `cacheMs`, so many scrapers do not load the broker. A failed broker call does
 * not fail the scrape: `celeriac_broker_up` drops to 0 and the rest is still served.
 */
export class ClusterGauges {
  readonly #broker: QueueAdmin;
  readonly #workers: WorkerRegistry | undefined;
  readonly #options: Required<Omit<ClusterGaugesOptions, 'registry' | 'workers'>>;
  readonly #gauges: Gauges;
  readonly #scrapeErrors: Counter;
  /** The last read; `at` is unset while it is in flight. */
  #cached: { at?: number; snapshot: Promise<ClusterSnapshot> } | undefined;
  #applied: ClusterSnapshot | undefined;

  constructor(broker: QueueAdmin & Pick<Coordination, 'workers'>, options: ClusterGaugesOptions) {
    this.#broker = broker;
    this.#workers = options.workers ?? broker.workers;
    this.#options = {
      cacheMs: options.cacheMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 3000,
      perWorker: options.perWorker ?? true,
      maxSeries: options.maxSeries ?? 1000,
      now: options.now ?? Date.now,
    };
    const registers = [options.registry];
    this.#scrapeErrors = new Counter({
      name: 'celeriac_scrape_errors_total',
      help: 'Reads of the broker, at scrape time, in which a call failed or timed out.',
      registers,
      // Read first, so that this scrape's own failure is already counted.
      collect: () => this.#refresh(),
    });
    const gauge = (name: string, help: string, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers, collect: () => this.#refresh() });
    const hasRegistry = this.#workers !== undefined;
    const perWorker = hasRegistry && this.#options.perWorker;
    this.#gauges = {
      queueMessages: gauge('celeriac_queue_messages', 'Messages per queue by state.', [
        'queue',
        'state',
      ]),
      brokerUp: gauge(
        'celeriac_broker_up',
        '1 when the last read of the broker succeeded, else 0.',
      ),
      workers: hasRegistry ? gauge('celeriac_workers', 'Live workers.') : undefined,
      queueWorkers: hasRegistry
        ? gauge('celeriac_queue_workers', 'Live workers consuming each queue.', ['queue'])
        : undefined,
      up: perWorker
        ? gauge('celeriac_worker_up', '1 for each live worker.', ['worker'])
        : undefined,
      active: perWorker
        ? gauge('celeriac_worker_active_tasks', 'Tasks running now per worker.', ['worker'])
        : undefined,
      concurrency: perWorker
        ? gauge('celeriac_worker_concurrency', 'Slots per worker.', ['worker'])
        : undefined,
    };
  }

  /** True when the broker answered at the last read; else why not, in one line. */
  async ready(): Promise<true | string> {
    const { error } = await this.#snapshot();
    return error === undefined ? true : `broker unreachable: ${error}`;
  }

  /** Sets every gauge from the current snapshot, once per snapshot. */
  async #refresh(): Promise<void> {
    const snapshot = await this.#snapshot();
    if (snapshot === this.#applied) return;
    this.#applied = snapshot;
    for (const gauge of Object.values(this.#gauges)) gauge?.reset();
    const g = this.#gauges;
    g.brokerUp?.set(snapshot.error === undefined ? 1 : 0);
    const queues = snapshot.queues.slice(0, this.#options.maxSeries);
    for (const stats of queues)
      for (const state of QUEUE_STATES)
        g.queueMessages?.set({ queue: stats.queue, state }, stats[state]);
    if (snapshot.workers)
      this.#setWorkers(
        snapshot.workers,
        queues.map((q) => q.queue),
      );
    // Unread is not zero: a count of 0 workers would page someone for a broker hiccup.
    else g.workers?.remove({});
  }

  #setWorkers(workers: WorkerInfo[], queues: string[]): void {
    const g = this.#gauges;
    g.workers?.set(workers.length);
    const consumed = new Map<string, number>(queues.map((q) => [q, 0]));
    for (const worker of workers)
      for (const queue of worker.queues) consumed.set(queue, (consumed.get(queue) ?? 0) + 1);
    for (const [queue, count] of [...consumed].slice(0, this.#options.maxSeries))
      g.queueWorkers?.set({ queue }, count);
    for (const worker of workers.slice(0, this.#options.maxSeries)) {
      g.up?.set({ worker: worker.name }, 1);
      g.active?.set({ worker: worker.name }, worker.active);
      g.concurrency?.set({ worker: worker.name }, worker.concurrency);
    }
  }

  /** The last read while in flight or fresh, else a new one. */
  #snapshot(): Promise<ClusterSnapshot> {
    const cached = this.#cached;
    if (
      cached &&
      (cached.at === undefined || this.#options.now() - cached.at < this.#options.cacheMs)
    )
      return cached.snapshot;
    const entry: { at?: number; snapshot: Promise<ClusterSnapshot> } = {
      snapshot: readCluster(this.#broker, this.#workers, this.#options.timeoutMs).then((read) => {
        entry.at = this.#options.now();
        if (read.error !== undefined) this.#scrapeErrors.inc();
        return read;
      }),
    };
    this.#cached = entry;
    return entry.snapshot;
  }
}
