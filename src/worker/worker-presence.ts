import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Coordination } from '../brokers/contract/index.ts';
import type { WorkerInfo } from '../brokers/contract/worker-registry.ts';
import type { AppEvents } from '../events/app-events.ts';
import type { ClusterWorkerEvent, WorkerEventType } from '../events/cluster-event.ts';

/** What the presence reads from its worker at each beat. */
export interface PresenceSource {
  name: string;
  queues: readonly string[];
  pool: string;
  concurrency(): number;
  active(): number;
  processed(): number;
}

/**
 * A worker's presence in the cluster: its record in the broker's worker registry, refreshed
 * every beat (a record lapses after three missed beats), and its `worker:*` events.
 */
export class WorkerPresence {
  readonly startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: PresenceSource,
    private readonly coordination: Pick<Coordination, 'workers'>,
    private readonly events: AppEvents,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Registers the worker, emits `worker:online`, and beats until `stop`. */
  async start(): Promise<void> {
    // The record is for observers: a broker that cannot take it now must not stop the worker.
    try {
      await this.#register();
    } catch (error) {
      this.log.warn({ err: error }, 'could not register the worker; retrying at the next beat');
    }
    this.#emit('worker:online');
    this.#timer = setInterval(() => void this.#beat(), this.intervalMs);
    this.#timer.unref();
  }

  /** Stops beating, removes the record and emits `worker:offline`. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      await this.coordination.workers?.remove(this.source.name);
    } catch (error) {
      this.log.warn({ err: error }, 'could not remove the worker record; it lapses on its own');
    }
    this.#emit('worker:offline');
  }

  /** The record other processes see. */
  info(): WorkerInfo {
    const s = this.source;
    return {
      name: s.name,
      hostname: hostname(),
      pid: process.pid,
      queues: [...s.queues],
      concurrency: s.concurrency(),
      active: s.active(),
      processed: s.processed(),
      pool: s.pool,
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
    };
  }

  async #beat(): Promise<void> {
    try {
      await this.#register();
    } catch (error) {
      this.log.warn({ err: error }, 'could not refresh the worker record');
    }
    this.#emit('worker:heartbeat');
  }

  async #register(): Promise<void> {
    await this.coordination.workers?.heartbeat(this.info(), this.intervalMs * 3);
  }

  #emit(type: WorkerEventType): void {
    if (!this.events.wanted(type)) return;
    const info = this.info();
    const event: ClusterWorkerEvent = {
      type,
      worker: info.name,
      hostname: info.hostname,
      pid: info.pid,
      timestamp: info.heartbeatAt,
      queues: info.queues,
      concurrency: info.concurrency,
      active: info.active,
      processed: info.processed,
      pool: info.pool,
    };
    if (type === 'worker:heartbeat') event.intervalMs = this.intervalMs;
    this.events.emit(event);
  }
}
