import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { assertBatchesOnAsyncPool } from '../batching/pool-check.ts';
import { WorkerBatches } from '../batching/worker-batches.ts';
import { continueWorkflow } from '../canvas/continue-workflow.ts';
import { DEFAULT_QUEUE } from '../config/app-config.ts';
import type { ByteSize } from '../config/byte-size.ts';
import { ControlServer } from '../control/control-server.ts';
import { loadRevokes, RevokedIds } from '../control/revoked-ids.ts';
import { WorkerShutdown } from '../errors/errors.ts';
import { bridgeWorkerEvents } from '../events/worker-event-bridge.ts';
import { WorkerEvents } from '../events/worker-events.ts';
import type { AttemptRunner } from '../executors/attempt-runner.ts';
import { createRunner, definedOnly } from '../executors/create-runner.ts';
import type { Executor } from '../executors/executor.ts';
import { InlineExecutor } from '../executors/inline/inline-executor.ts';
import type { PoolName } from '../executors/pool-name.ts';
import { createAdmissionGates } from '../flow/admission-gates.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { AckBatcher } from './ack-batcher.ts';
import { type AutoscaleOptions, Autoscaler } from './autoscaler.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { type DeliveryDeps, processDelivery } from './process-delivery.ts';
import { ReserveLoop } from './reserve-loop.ts';
import { TasksInHand } from './tasks-in-hand.ts';
import { type CommandTarget, workerCommands } from './worker-commands.ts';
import type { WorkerHost } from './worker-host.ts';
import { WorkerPresence } from './worker-presence.ts';
import { countEvents, type WorkerStats } from './worker-stats.ts';

/** The deliveries' deps as the worker holds them: with its batch buffer's whole interface. */
type WorkerDeliveryDeps = DeliveryDeps & { batches?: WorkerBatches };

/** Options of one worker; each falls back to the app's `worker` config. */
export interface WorkerOptions {
  /** Queues to consume, in priority order; default the app's `defaultQueue`. */
  queues?: string[];
  /** Tasks run at once; default 10. */
  concurrency?: number;
  /** Node name, `name@host` (default `celeriac@<hostname>`). */
  name?: string;
  /** How long a reservation holds without renewal; renewed while the task runs; default 30s. */
  lease?: Duration;
  /** How long `stop()` waits for running tasks before returning them to the queue; default 30s. */
  shutdownTimeout?: Duration;
  /** How long one reserve call waits for a message before looping; default 1s. */
  pollTimeout?: Duration;
  /** The slots attempts run in; default an in-process executor of `concurrency` slots. */
  executor?: Executor;
  /** Where handlers run: `async` (this process, default), `threads` or `process`. */
  pool?: PoolName;
  /**
   * The module that exports the app, for the `threads` and `process` pools: each child imports
   * it to find the tasks. The CLI passes its `-A`.
   */
  appModule?: string | URL;
  /** Replace a pool child after this many tasks (threads and process pools). */
  maxTasksPerChild?: number;
  /** Replace a pool child whose memory passes this size, after its task (`200MB`). */
  maxMemoryPerChild?: ByteSize;
  /** Grow from `min` slots to `max` with a backlog, shrink back when idle (`concurrency` is ignored). */
  autoscale?: AutoscaleOptions;
  /** Publish task and worker events on the broker (`--events`); default the app's `events.send`. */
  events?: boolean;
  /** How often the worker refreshes its record in the broker and beats (default 2s). */
  heartbeat?: Duration;
}

/**
 * Consumes queues: reserves only as many messages as it has free slots, runs them, acks after
 * the handler (acks late), renews leases while tasks run, and shuts down without losing tasks.
 */
export class Worker {
  /** The worker's node name, as control commands and events address it. */
  readonly name: string;
  /** The queues it consumes now, in priority order (`add-consumer` changes them). */
  readonly queues: string[];
  /** Lifecycle events of this worker and its tasks (`worker.events.on('task:failed', …)`). */
  readonly events: WorkerEvents;
  /** What this worker did since it started: succeeded, retried, failed, expired, dead-lettered. */
  readonly stats: WorkerStats;
  private readonly app: WorkerHost;
  private readonly executor: Executor;
  private readonly runner: AttemptRunner;
  private readonly poolName: PoolName;
  private readonly leaseMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly pollTimeoutMs: number;
  private readonly log: Logger;
  private readonly leases: LeaseKeeper;
  private readonly stopReserving = new AbortController();
  /** Aborts the signals of running attempts, once their messages are back in the queue. */
  private readonly giveUp = new AbortController();
  /** Ends the shutdown wait early (a second stop(), or stopNow()). */
  private readonly hurry = new AbortController();
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(app: WorkerHost, options: WorkerOptions = {}) {
    const config = app.config.worker ?? {};
    this.app = app;
    this.name = options.name ?? `celeriac@${hostname()}`;
    // A copy: add-consumer and cancel-consumer change it while the reserve loop reads it.
    this.queues = [
      ...(options.queues ?? config.queues ?? [app.config.defaultQueue ?? DEFAULT_QUEUE]),
    ];
    const slots = options.autoscale?.min ?? options.concurrency ?? config.concurrency ?? 10;
    this.executor = options.executor ?? new InlineExecutor(slots);
    this.leaseMs = parseDuration(options.lease ?? config.lease ?? '30s');
    this.shutdownTimeoutMs = parseDuration(
      options.shutdownTimeout ?? config.shutdownTimeout ?? '30s',
    );
    this.pollTimeoutMs = parseDuration(options.pollTimeout ?? config.pollTimeout ?? '1s');
    this.log = app.log.child({ worker: this.name });
    const pool = { ...config, ...definedOnly(options) };
    this.poolName = pool.pool ?? 'async';
    assertBatchesOnAsyncPool(app, this.poolName, this.queues);
    this.runner = createRunner(app, this.executor.size, pool, this.log);
    this.events = new WorkerEvents((error, event) =>
      this.log.error({ err: error, event }, 'event listener threw'),
    );
    this.stats = countEvents(this.events);
    this.tasks = new TasksInHand(() => this.deps?.batches?.bufferedEnvelopes() ?? []);
    this.sendEvents = options.events ?? false;
    this.presence = new WorkerPresence(
      {
        name: this.name,
        queues: this.queues,
        pool: this.poolName,
        concurrency: () => this.executor.size,
        active: () => this.executor.active,
        processed: () => this.stats.succeeded + this.stats.failed + this.stats.retried,
      },
      app.coordination,
      app.events,
      parseDuration(options.heartbeat ?? '2s'),
      this.log,
    );
    bridgeWorkerEvents(
      this.events,
      app.events,
      { worker: this.name, hostname: hostname(), pid: process.pid },
      () => app.events.sending,
    );
    this.control = new ControlServer(this.name, workerCommands(this.commandTarget()), this.log);
    // Every running attempt listens on the shutdown signal: as many listeners as slots.
    setMaxListeners(0, this.giveUp.signal, this.stopReserving.signal);
    this.leases = new LeaseKeeper(app.broker, this.leaseMs, this.log);
    if (options.autoscale) {
      this.autoscaler = new Autoscaler(options.autoscale, {
        executor: this.executor,
        runner: this.runner,
        backlogged: () => this.reserveLoop?.backlogged ?? false,
        resized: () => this.reserveLoop?.wake(),
        log: this.log,
      });
    }
  }

  private readonly autoscaler: Autoscaler | undefined;
  private reserveLoop: ReserveLoop | undefined;
  /** Tasks received and running here, for `inspect reserved` and `active`. */
  readonly tasks: TasksInHand;
  private readonly presence: WorkerPresence;
  private readonly control: ControlServer;
  private readonly revoked = new RevokedIds();
  private readonly sendEvents: boolean;

  private commandTarget(): CommandTarget {
    return {
      app: this.app,
      queues: this.queues,
      tasks: this.tasks,
      stats: this.stats,
      presence: this.presence,
      revoked: this.revoked,
      runner: this.runner,
      executor: this.executor,
      wake: () => this.reserveLoop?.wake(),
      stop: () => this.stop(),
    };
  }

  /** True once started and until it begins to stop (`/readyz`). */
  get ready(): boolean {
    return this.loop !== undefined && this.stopping === undefined;
  }

  /** Slots now (changes under autoscale). */
  get concurrency(): number {
    return this.executor.size;
  }

  /** Tasks running now. */
  get active(): number {
    return this.executor.active;
  }

  /** Connects and starts consuming; resolves once the worker is online. */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.app.connect();
    if (this.sendEvents) this.app.events.startSending();
    await this.listenForControl();
    await this.runner.start();
    // Registered before consuming: a task started now is already visible to inspect.
    await this.presence.start();
    this.leases.start();
    const deps = this.deliveryDeps();
    this.loop = this.consume(deps);
    this.autoscaler?.start();
    const online = {
      name: this.name,
      queues: this.queues,
      concurrency: this.executor.size,
      pool: this.poolName,
    };
    this.log.info(
      { ...online, broker: this.app.brokerLabel, tasks: this.app.registry.names() },
      'worker online',
    );
    this.events.emitSafely('worker:online', online);
  }

  /** Subscribes to the control channel, then loads the revokes made before this start. */
  private async listenForControl(): Promise<void> {
    const broadcast = this.app.coordination.broadcast;
    if (broadcast) await this.control.start(broadcast);
    const revokes = this.app.coordination.revokes;
    if (revokes) await loadRevokes(this.revoked, revokes, this.log);
  }

  /**
   * Stops fetching and lets running tasks finish within the shutdown timeout; what is still
   * running then goes back to the queue. Calling it again (or `stopNow`) ends the wait at once.
   */
  stop(): Promise<void> {
    if (this.stopping) {
      this.hurry.abort();
      return this.stopping;
    }
    this.stopping = this.shutdown();
    return this.stopping;
  }

  /** Returns running tasks to the queue at once and stops. */
  stopNow(): Promise<void> {
    this.hurry.abort();
    return this.stop();
  }

  private async shutdown(): Promise<void> {
    this.log.info(
      { running: this.executor.active },
      'worker stopping: no new tasks; waiting for running ones',
    );
    this.stopReserving.abort();
    this.autoscaler?.stop();
    await this.loop;
    // Buffered batch items have not started: they go back to the queue for another worker.
    await this.deps?.batches?.releaseBuffered();
    const drained = await this.executor.drain(this.shutdownTimeoutMs, this.hurry.signal);
    if (!drained) await this.releaseRunning();
    this.leases.stop();
    await this.deps?.acks.flush();
    this.deps?.acks.close();
    await this.executor.close();
    await this.runner.close();
    await this.control.stop();
    await this.presence.stop();
    await this.app.events.flushSent();
    this.log.info({ name: this.name }, 'worker offline');
    this.events.emitSafely('worker:offline', { name: this.name });
  }

  private deps: WorkerDeliveryDeps | undefined;

  private deliveryDeps(): WorkerDeliveryDeps {
    this.deps = {
      broker: this.app.broker,
      acks: new AckBatcher(this.app.broker, this.log),
      serializer: this.app.serializer,
      events: this.events,
      log: this.log,
      registry: this.app.registry,
      runner: this.runner,
      backend: this.app.backend,
      resultTtlMs: this.app.resultTtlMs(),
      leases: this.leases,
      shutdown: this.giveUp.signal,
      continueWorkflow: (envelope, outcome) => continueWorkflow(this.app, envelope, outcome),
      gates: createAdmissionGates({ app: this.app, leases: this.leases, leaseMs: this.leaseMs }),
      revoked: this.revoked,
      inHand: this.tasks,
    };
    this.deps.batches = new WorkerBatches(this.deps, () => this.reserveLoop?.makeRoom());
    return this.deps;
  }

  private consume(deps: WorkerDeliveryDeps): Promise<void> {
    const loop = new ReserveLoop({
      broker: this.app.broker,
      executor: this.executor,
      acks: deps.acks,
      queues: this.queues,
      leaseMs: this.leaseMs,
      pollTimeoutMs: this.pollTimeoutMs,
      log: this.log,
      process: (delivery) => processDelivery(deps, delivery),
      nextJob: () => deps.batches?.nextJob(),
    });
    this.reserveLoop = loop;
    return loop.run(this.stopReserving.signal);
  }

  /** Puts every still-running message back in its queue, unchanged, for another worker. */
  private async releaseRunning(): Promise<void> {
    const running = this.leases.holding();
    this.log.warn({ count: running.length }, 'returning unfinished tasks to the queue');
    // Release every lease before any handler hears of the shutdown: an attempt that ends after
    // this is not settled (not acked, retried or dead-lettered), whatever its outcome.
    for (const delivery of running) this.leases.release(delivery);
    // Tell handlers that watch their signal to stop.
    this.giveUp.abort(new WorkerShutdown());
    for (const delivery of running) {
      this.events.emitSafely('task:released', { id: delivery.id, queue: delivery.queue });
      try {
        await this.app.broker.nack(delivery, { retryAt: Date.now() });
      } catch (error) {
        this.log.error(
          { err: error, messageId: delivery.id },
          'could not return a task; its lease will expire',
        );
      }
    }
  }
}
