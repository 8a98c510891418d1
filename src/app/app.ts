import type { Logger } from 'pino';
import type { ResultBackend } from '../backends/backend.ts';
import { backendFromUrl } from '../backends/registry.ts';
import type { ChunkProgress } from '../backends/workflow-store.ts';
import type { BatchHandler, BatchTaskOptions } from '../batching/batch-handler.ts';
import { registerBatchTask } from '../batching/register-batch-task.ts';
import { BeatControl } from '../beat/beat-control.ts';
import type { BeatEntry, BeatEntryOptions } from '../beat/beat-entry.ts';
import type { ScheduleSpec } from '../beat/schedule-spec.ts';
import type { Broker, Coordination, OutgoingMessage } from '../brokers/contract/index.ts';
import { registerBuiltinTasks } from '../canvas/builtin-tasks.ts';
import type { AnyCanvas } from '../canvas/canvas.ts';
import { checkTaskNames } from '../canvas/check-task-names.ts';
import { requireChordStore } from '../canvas/chord-store.ts';
import { checkNodeValues, needsChordJoin } from '../canvas/send-workflow.ts';
import { nodeOptionsOf, Signature, type SignatureOptions } from '../canvas/signature.ts';
import type { ChunkedTaskOptions, ChunkHandler, CursorKind } from '../chunked/chunk-types.ts';
import { type ChunkedTask, defineChunkedTask } from '../chunked/chunked-task.ts';
import { connectedProgressStore } from '../chunked/progress-store.ts';
import {
  type AppConfig,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_QUEUE,
  DEFAULT_RESULT_TTL,
} from '../config/app-config.ts';
import {
  applyEnvOverrides,
  validateAppConfig,
  validateTaskOptions,
} from '../config/validate-config.ts';
import { AppControl } from '../control/app-control.ts';
import { type Envelope, toWire } from '../envelope/envelope.ts';
import { CeleriacError, PayloadTooLarge } from '../errors/errors.ts';
import { AppEvents } from '../events/app-events.ts';
import { emitSent } from '../events/sent-events.ts';
import { sendUnique, uniqueClaimKeys } from '../flow/unique/send-unique.ts';
import { createLogger } from '../logging/logger.ts';
import { compose, type Middleware } from '../middleware/middleware.ts';
import { resultLayer } from '../middleware/result-layer.ts';
import { retryLayer } from '../middleware/retry-layer.ts';
import { timeLimitLayer } from '../middleware/time-limit-layer.ts';
import { AsyncResult, type ResultSource } from '../result/async-result.ts';
import { jsonSerializer } from '../serializers/json.ts';
import type { Serializer } from '../serializers/serializer.ts';
import type { SendOptions, TaskOptions } from '../task/options.ts';
import { type RegisteredTask, TaskRegistry } from '../task/registry.ts';
import { resolveTaskOptions } from '../task/resolve-options.ts';
import { invokeHandler, type Pipeline, runAttempt } from '../task/run-attempt.ts';
import { parseDuration } from '../time/duration.ts';
import { Worker, type WorkerOptions } from '../worker/worker.ts';
import { buildEnvelope } from './build-envelope.ts';
import { checkTaskSupport } from './check-task-support.ts';
import { type ComposedStores, composeStores } from './compose-stores.ts';
import { runEagerly } from './eager.ts';
import { checkCarried } from './json-carried.ts';
import { type PublishHook, PublishHooks } from './publish-hooks.ts';
import { Router } from './routing.ts';
import { createTaskHandle, type Task, type TaskHandler } from './task-handle.ts';

const inlinePipeline = compose([timeLimitLayer], invokeHandler);

/** Creates an app: validates the config (with CELERIAC_* overrides); connects nothing yet. */
export function createApp(config: AppConfig = {}, env: NodeJS.ProcessEnv = process.env): App {
  validateAppConfig(config);
  const merged = applyEnvOverrides(config, env);
  validateAppConfig(merged);
  return new App(merged);
}

/** Binds a task registry to a broker, an optional result backend and middleware. */
export class App {
  /** The config the app was made with (by `createApp`: with its `CELERIAC_*` overrides). */
  readonly config: AppConfig;
  /** The tasks registered on this app, by name. */
  readonly registry = new TaskRegistry();
  /** The broker tasks are sent through: `config.broker`, or the default SQLite file. */
  readonly broker: Broker;
  /**
   * Where the cluster's shared state lives (rate limits, locks, unique claims, beat, broadcast,
   * revokes, workers): `config.coordination`, or the broker's own stores.
   */
  readonly coordination: Coordination;
  /** The coordination stores as errors name them. */
  readonly coordinationLabel: string;
  /** Where results are stored (`config.backend`); undefined when none is configured. */
  readonly backend: ResultBackend | undefined;
  /** Encodes and decodes message bodies: `config.serializer`, or JSON. */
  readonly serializer: Serializer;
  /** The app's logger: `config.logger`, or a pino logger at `config.logLevel`. */
  readonly log: Logger;
  /** The broker as logs name it: its URL with the password hidden, or its class name. */
  readonly brokerLabel: string;
  /** Runtime changes for the whole cluster (rate limits), through the broker. */
  readonly control = new AppControl(this);
  /** Periodic tasks: the entries declared in code, and run-time ones kept in the broker. */
  readonly beat: BeatControl = new BeatControl(this);
  /** Task and worker events: this process's (`on`), sinks, and the cluster's (`receive`). */
  readonly events: AppEvents;
  private readonly router: Router;
  private readonly middleware: Middleware[] = [];
  private readonly publishHooks: PublishHooks;
  private pipelineCache: Pipeline | undefined;
  private connecting: Promise<void> | undefined;
  private readonly separateCoordination: ComposedStores['separate'];

  /** Use `createApp`, which validates the config first. */
  constructor(config: AppConfig) {
    this.config = config;
    this.log =
      config.logger ??
      createLogger(config.logLevel ?? 'info', {
        pretty: config.logFormat === undefined ? undefined : config.logFormat === 'pretty',
      });
    const stores = composeStores(config);
    this.broker = stores.broker;
    this.brokerLabel = stores.brokerLabel;
    this.coordination = stores.coordination;
    this.coordinationLabel = stores.coordinationLabel;
    this.separateCoordination = stores.separate;
    const backend = config.backend;
    this.backend = typeof backend === 'string' ? backendFromUrl(backend) : backend;
    this.serializer = config.serializer ?? jsonSerializer;
    this.router = new Router(config.routes);
    this.publishHooks = new PublishHooks(this.log);
    this.events = new AppEvents({
      coordination: this.coordination,
      log: this.log,
      connect: () => this.connect(),
      sinks: config.events?.sinks,
    });
    if (config.events?.send) this.events.startSending();
    registerBuiltinTasks(this);
  }

  /** Registers a task; the handler's argument and return types flow to the handle. */
  task<A extends unknown[], R>(name: string, handler: TaskHandler<A, R>): Task<A, Awaited<R>>;
  task<A extends unknown[], R>(
    name: string,
    // `A & {}` ranks below the handler when inferring A: a key function that lists only the
    // first arguments fits, and does not narrow the task's arguments to its own.
    options: TaskOptions<A & {}>,
    handler: TaskHandler<A, R>,
  ): Task<A, Awaited<R>>;
  task<A extends unknown[], R>(
    name: string,
    optionsOrHandler: TaskOptions<A> | TaskHandler<A, R>,
    maybeHandler?: TaskHandler<A, R>,
  ): Task<A, Awaited<R>> {
    // Key functions take the handler's arguments; past this point they are called with those.
    const options = (typeof optionsOrHandler === 'function' ? {} : optionsOrHandler) as TaskOptions;
    const handler = typeof optionsOrHandler === 'function' ? optionsOrHandler : maybeHandler;
    if (typeof handler !== 'function')
      throw new TypeError(`task "${name}" needs a handler function`);
    validateTaskOptions(options, `tasks['${name}']`);
    const resolved = resolveTaskOptions(
      options,
      this.config.taskDefaults ?? {},
      this.config.ignoreResult ?? false,
    );
    checkTaskSupport(this, name, resolved);
    this.registry.add({ name, options: resolved, handler: handler as never });
    return createTaskHandle<A, Awaited<R>>(name, this);
  }

  /**
   * Registers a batch task: producers send single items (`delay(...args)`), and a worker hands
   * them to the handler in batches of up to `maxSize`, or after `maxWait` (docs/batches.md).
   */
  batchTask<A extends unknown[], R = unknown>(
    name: string,
    options: BatchTaskOptions,
    handler: BatchHandler<A, R>,
  ): Task<A, R> {
    return registerBatchTask(this, name, options, handler);
  }

  /**
   * Registers a chunked task: each run processes one chunk of its source (ids after a cursor,
   * or a time range), commits its progress, and sends the next chunk after `pause`.
   */
  chunkedTask<C extends CursorKind>(
    name: string,
    // `{ cursor: C }` lets TypeScript infer C from the literal, and with it the chunk type.
    options: { cursor: C } & ChunkedTaskOptions<C>,
    handler: ChunkHandler<C>,
  ): ChunkedTask<C> {
    return defineChunkedTask(this, name, options, handler);
  }

  /** The progress a chunked run stored under `key` (its handle's `key`), or undefined. */
  async chunkProgress(key: string): Promise<ChunkProgress | undefined> {
    const store = await connectedProgressStore(this, `chunk progress "${key}"`);
    return store.readProgress(key);
  }

  /**
   * Sends `signature` on a schedule (`{ cron, timezone? }` or `{ every }`) while a scheduler
   * runs (`celeriac beat`, or `worker --beat`); see docs/beat.md.
   */
  schedule(
    name: string,
    schedule: ScheduleSpec,
    signature: AnyCanvas,
    options?: BeatEntryOptions,
  ): BeatEntry {
    return this.beat.schedule(name, schedule, signature, options);
  }

  /** Adds an execution middleware, inside retries and result storage, outside time limits. */
  use(middleware: Middleware): this {
    this.middleware.push(middleware);
    this.pipelineCache = undefined;
    return this;
  }

  /**
   * Adds a hook that sees every envelope this app sends to the broker, once, before it is
   * encoded (sends, workflows, unique tasks; not eager runs): integrations add headers here.
   * Returns the function that removes it. See docs/integrations.md.
   */
  onPublish(hook: PublishHook): () => void {
    return this.publishHooks.add(hook);
  }

  /** Sends a task by name, for producers that do not import its handler (Celery's send_task). */
  sendTask<R = unknown>(
    name: string,
    args: unknown[] = [],
    options: SendOptions = {},
  ): Promise<AsyncResult<R>> {
    return this.send(name, args, options) as Promise<AsyncResult<R>>;
  }

  /** Sends one task; resolves once the broker stored it (or, in eager mode, once it ran). */
  async send(name: string, args: unknown[], options: SendOptions): Promise<AsyncResult<unknown>> {
    const [result] = await this.sendMany(name, [args], options);
    return result as AsyncResult<unknown>;
  }

  /** Sends one task per argument list in one atomic broker call. */
  async sendMany(
    name: string,
    argsList: unknown[][],
    options: SendOptions,
  ): Promise<AsyncResult<unknown>[]> {
    const task = this.registry.find(name);
    const envelopes = argsList.map((args) =>
      buildEnvelope(name, args, options, task?.options, this),
    );
    // Before anything is sent, eager runs included: JSON would change these values silently.
    const batch = envelopes.length > 1;
    for (const [i, envelope] of envelopes.entries())
      checkCarried(name, envelope, batch ? i : undefined);
    // Before anything is sent: a failing key function rejects the call with nothing stored.
    const claimKeys = uniqueClaimKeys(task, argsList);
    const callbacks = [options.link ?? [], options.linkError ?? []].flat();
    if (this.config.eager && callbacks.length > 0) throw eagerWorkflowError();
    if (this.config.eager) {
      const registered = this.registry.get(name);
      const results: AsyncResult<unknown>[] = [];
      for (const envelope of envelopes) {
        results.push(new AsyncResult(envelope.id, await runEagerly(this, registered, envelope)));
      }
      return results;
    }
    const callbackNodes = callbacks.map((callback) => callback.toNode());
    checkTaskNames(this.registry, callbackNodes);
    for (const node of callbackNodes) checkNodeValues(node);
    if (callbackNodes.some(needsChordJoin)) requireChordStore(this);
    const ids =
      task && claimKeys
        ? await this.sendClaimed(task, envelopes, claimKeys)
        : await this.dispatch(envelopes).then(() => envelopes.map((envelope) => envelope.id));
    const source = this.results();
    return ids.map((id) => new AsyncResult(id, source));
  }

  /**
   * Stores built messages in the broker in one call (all or none); what workflows send through.
   * `parent` is the finished task whose end sends them, if any.
   */
  async dispatch(envelopes: Envelope[], parent?: Envelope): Promise<void> {
    if (this.config.eager) throw eagerWorkflowError();
    await this.publish(envelopes, (messages) => this.broker.enqueue(messages), parent);
    emitSent(this.events, envelopes);
  }

  private async sendClaimed(
    task: RegisteredTask,
    envelopes: Envelope[],
    claimKeys: string[],
  ): Promise<string[]> {
    const ids = await sendUnique(this, task, envelopes, claimKeys);
    emitSent(
      this.events,
      envelopes.filter((envelope, i) => ids[i] === envelope.id),
    );
    return ids;
  }

  /**
   * The one way new messages leave the app: runs the publish hooks on each envelope, encodes
   * them and hands them to `store`, one broker call.
   */
  publish<T>(
    envelopes: Envelope[],
    store: (messages: OutgoingMessage[]) => Promise<T>,
    parent?: Envelope,
  ): Promise<T> {
    return this.publishHooks.around(envelopes, { parent }, async () => {
      const messages = envelopes.map((envelope) => this.outgoing(envelope));
      await this.connect();
      return store(messages);
    });
  }

  /** The broker message of an envelope: encoded, size-checked, its eta as a due time. */
  outgoing(envelope: Envelope): OutgoingMessage {
    return {
      id: envelope.id,
      queue: envelope.queue,
      body: this.encode(envelope),
      priority: envelope.priority,
      availableAt: envelope.eta === undefined ? undefined : Date.parse(envelope.eta),
    };
  }

  /** A signature of a task by name, for workflows that call tasks this process does not register. */
  signature<R = unknown>(
    name: string,
    args: unknown[] = [],
    options: SignatureOptions = {},
  ): Signature<R, unknown> {
    return new Signature<R, unknown>(this, {
      kind: 'task',
      task: name,
      args,
      options: nodeOptionsOf(options),
    });
  }

  /** Encodes an envelope and enforces the payload size limit. */
  encode(envelope: Envelope): Uint8Array {
    const body = this.serializer.encode(toWire(envelope));
    const limit = this.config.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (body.byteLength > limit) throw new PayloadTooLarge(envelope.task, body.byteLength, limit);
    return body;
  }

  /** Runs a registered task in this process now (what calling a task handle does). */
  async runInline(name: string, args: unknown[]): Promise<unknown> {
    const task = this.registry.get(name);
    const envelope = buildEnvelope(name, args, {}, task.options, this);
    // No retry layer: errors reach the caller, as when calling a function.
    const outcome = await runAttempt(inlinePipeline, task, envelope, {
      eager: true,
      log: this.log,
    });
    return outcome.kind === 'success' ? outcome.value : Promise.reject(outcome.error);
  }

  /** A handle on the result of a task id. */
  asyncResult<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this.results());
  }

  /** The queue a task goes to: its own, else the first matching route, else the default. */
  queueFor(taskName: string, taskQueue: string | undefined): string {
    return taskQueue ?? this.router.route(taskName) ?? this.config.defaultQueue ?? DEFAULT_QUEUE;
  }

  /** The full execution chain: results, retries, user middleware, time limits, handler. */
  pipeline(): Pipeline {
    if (!this.pipelineCache) {
      const layers: Middleware[] = [];
      if (this.backend) layers.push(resultLayer(this.backend, this.resultTtlMs(), this.log));
      layers.push(retryLayer, ...this.middleware, timeLimitLayer);
      this.pipelineCache = compose(layers, invokeHandler);
    }
    return this.pipelineCache;
  }

  /** A worker consuming this app's queues; `start()` it, `stop()` it. */
  worker(options: WorkerOptions = {}): Worker {
    return new Worker(this, options);
  }

  /** Result TTL in ms (0: forever). */
  resultTtlMs(): number {
    return parseDuration(this.config.resultTtl ?? DEFAULT_RESULT_TTL);
  }

  /** Connects the broker and the result backend once. */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      await this.broker.connect();
      await this.separateCoordination?.connect?.();
      await this.backend?.connect();
    })();
    return this.connecting;
  }

  /** Publishes the events still buffered, flushes and closes the event sinks, then closes the broker and the result backend. */
  async close(): Promise<void> {
    await this.events.flushSent();
    await this.events.close();
    this.connecting = undefined;
    await this.broker.close();
    await this.separateCoordination?.close?.();
    await this.backend?.close();
  }

  /** Where results are read, or undefined without a result backend. */
  results(): ResultSource | undefined {
    const backend = this.backend;
    if (!backend) return undefined;
    return {
      get: async (id) => {
        await this.connect();
        return backend.get(id);
      },
      wait: async (id, timeoutMs) => {
        await this.connect();
        return backend.wait(id, timeoutMs);
      },
      forget: async (id) => {
        await this.connect();
        return backend.forget(id);
      },
    };
  }
}

function eagerWorkflowError(): CeleriacError {
  return new CeleriacError(
    'EAGER_WORKFLOW',
    'workflows (chain, group, chord, links) do not run in eager mode; run a worker on the memory broker in tests',
  );
}
