import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BrokerUnavailable } from '../../errors/errors.ts';
import { createLogger } from '../../logging/logger.ts';
import {
  connectClient,
  createClient,
  DEFAULT_LIVENESS_TIMEOUT_MS,
  isConnectionError,
  quitClient,
  type RedisClient,
  scrubPassword,
} from '../../redis/redis-connection.ts';
import {
  DEFAULT_REDIS_URL,
  describeTarget,
  parseRedisUrl,
  type RedisTarget,
} from '../../redis/redis-url.ts';
import { DEFAULT_HEARTBEAT_MS, RedisSubscriber } from '../../redis/subscriber.ts';
import type { BeatStore } from '../contract/beat-store.ts';
import type { Broadcast } from '../contract/broadcast.ts';
import type {
  Broker,
  DeadLetter,
  DeadLetterQuery,
  DelayedMessage,
  Delivery,
  NackOptions,
  OutgoingMessage,
  QueueStats,
  RequeueReport,
  ReserveOptions,
  TransportCapabilities,
} from '../contract/index.ts';
import type { RateStore } from '../contract/rate-store.ts';
import type { RevokeStore } from '../contract/revoke-store.ts';
import type { SlotStore } from '../contract/slot-store.ts';
import type { UniqueStore } from '../contract/unique-store.ts';
import type { WorkerRegistry } from '../contract/worker-registry.ts';
import { checkAvailableAt, checkRetryAt } from '../message-times.ts';
import { listDeadLetters, purgeDeadLetters, requeueDeadLetters } from './dead-letters.ts';
import { packEntry, unpackEntry } from './entry.ts';
import { groupBy } from './group-by.ts';
import { SCRIPTS } from './lua-script.ts';
import { publishArgs } from './publish-args.ts';
import { PublishCoalescer } from './publish-coalescer.ts';
import { type PublishCall, publishTransaction } from './publish-transaction.ts';
import { handoffChannel, QueueKeyring, queueIndexKey } from './queue-keys.ts';
import { RedisBeatStore } from './redis-beat-store.ts';
import { RedisBroadcast } from './redis-broadcast.ts';
import type { RedisBrokerOptions } from './redis-broker-options.ts';
import { RedisRateStore } from './redis-rate-store.ts';
import { RedisReserver } from './redis-reserver.ts';
import { RedisRevokeStore } from './redis-revoke-store.ts';
import { RedisSlotStore } from './redis-slot-store.ts';
import { RedisUniqueStore } from './redis-unique-store.ts';
import { RedisWorkerRegistry } from './redis-worker-registry.ts';
import { monotonicMs } from './server-clock.ts';

/** Named in the error when ioredis is missing. */
const REDIS_FEATURE = 'the Redis broker';

/**
 * A broker on Redis or Redis Cluster. Every step is one Lua script on one slot; a worker uses
 * two connections (commands, wake-up subscription) whatever its concurrency.
 */
export class RedisBroker implements Broker {
  readonly capabilities: TransportCapabilities;
  /** Locks and per-key concurrency, one zset per key. */
  readonly slots: SlotStore;
  readonly rates: RateStore;
  /** The scheduler's leadership, ticks and entries, under one hash tag per group. */
  readonly beat: BeatStore;
  /** Events and control between processes: pub/sub on the broker's subscriber connection. */
  readonly broadcast: Broadcast;
  readonly #broadcast: RedisBroadcast;
  /** Revoked task ids, one zset under the hash tag `{control}`. */
  readonly revokes: RevokeStore;
  /** The live workers, under the hash tag `{control}`. */
  readonly workers: WorkerRegistry;
  readonly #target: RedisTarget;
  readonly #prefix: string;
  readonly #options: Required<Omit<RedisBrokerOptions, 'url' | 'prefix'>>;
  readonly #log: Logger;
  readonly #keys: QueueKeyring;
  readonly #publisher = new PublishCoalescer((messages) => this.#publishNow(messages));
  /** Unique-task claims: string keys under each queue's hash tag, set by the publish script. */
  readonly uniques: UniqueStore = new RedisUniqueStore({
    client: () => this.#ready(),
    keysOf: (queue) => this.#keys.of(queue),
    index: (client, queue) => this.#index(client, queue),
    withRetry: (operation) => this.#withRetry(operation),
  });
  readonly #indexed = new Set<string>();
  readonly #closing = new AbortController();
  #client: RedisClient | undefined;
  #connecting: Promise<void> | undefined;
  #subscriber: RedisSubscriber | undefined;
  /** Where sends hand this broker's waiting reserves their messages. */
  readonly #handoffChannel: string;
  readonly #reserver: RedisReserver;

  /** Connects nothing yet. */
  constructor(options: RedisBrokerOptions = {}, logger?: Logger) {
    this.#target = parseRedisUrl(options.url ?? DEFAULT_REDIS_URL, 'broker');
    this.#prefix = options.prefix ?? this.#target.prefix ?? 'celeriac';
    this.#keys = new QueueKeyring(this.#prefix);
    const receiptBase = randomBytes(6).toString('base64url');
    this.#handoffChannel = handoffChannel(this.#prefix, receiptBase);
    const cluster = this.#target.cluster;
    this.capabilities = {
      delay: true,
      priorities: true,
      shared: true,
      leases: 'native',
      notifications: true,
      cluster,
    };
    this.slots = new RedisSlotStore({ client: () => this.#ready(), prefix: this.#prefix, cluster });
    this.rates = new RedisRateStore(() => this.#ready(), this.#prefix);
    this.beat = new RedisBeatStore(() => this.#ready(), this.#prefix);
    this.revokes = new RedisRevokeStore(() => this.#ready(), this.#prefix);
    this.workers = new RedisWorkerRegistry(() => this.#ready(), this.#prefix);
    this.#broadcast = new RedisBroadcast({
      client: () => this.#ready(),
      watch: (channels) => this.#watchChannels(channels),
      unwatch: async (channels) => this.#subscriber?.unwatch(channels),
      prefix: this.#prefix,
      onError: (error, what) => this.#warn(error, what),
    });
    this.broadcast = this.#broadcast;
    this.#options = {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      livenessTimeoutMs: options.livenessTimeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS,
      connectionName: options.connectionName ?? 'celeriac',
    };
    this.#log = logger ?? createLogger('warn');
    this.#reserver = new RedisReserver({
      keys: this.#keys,
      pollIntervalMs: this.#options.pollIntervalMs,
      receiptBase,
      handoffChannel: this.#handoffChannel,
      closing: this.#closing.signal,
      watch: (queues, handoffs) => this.#watch(queues, handoffs),
      ack: (deliveries) => this.ack(deliveries),
      warn: (error, what) => this.#warn(error, what),
    });
  }

  /** @internal The wake-up subscription, for tests and diagnostics. */
  get subscriber(): RedisSubscriber | undefined {
    return this.#subscriber;
  }

  /** Connects the command connection; idempotent. Fails with one line naming the host. */
  connect(): Promise<void> {
    this.#connecting ??= this.#open().catch((error) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  /** Closes both connections; waiting reserves return empty, broadcast listeners are dropped. */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.#closing.abort();
    this.#broadcast.close();
    this.#subscriber?.close();
    this.#subscriber = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#connecting = undefined;
    if (!client) return;
    if (options.force) client.disconnect();
    else await quitClient(client);
  }

  /**
   * Publishes messages, retrying through an outage until the publish timeout. Each queue's
   * messages become visible together or not at all; on a single Redis so does the whole call.
   */
  async enqueue(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    checkAvailableAt(messages);
    return this.#publisher.publish(messages);
  }

  /**
   * Each queue's part is one script call, however large, so it is stored whole or not at all.
   * Several queues on one server share a MULTI/EXEC; on a cluster they live on different slots,
   * where no transaction spans them, so each part is stored on its own.
   */
  async #publishNow(messages: OutgoingMessage[]): Promise<void> {
    const client = this.#client ?? (await this.#ready());
    const now = Date.now();
    const calls: PublishCall[] = [];
    for (const [queue, batch] of groupBy(messages, (m) => m.queue)) {
      if (!this.#indexed.has(queue)) await this.#index(client, queue);
      calls.push({ queue, ...publishArgs(this.#keys.of(queue), batch, now) });
    }
    if (calls.length > 1 && !this.#target.cluster) {
      await this.#withRetry(() => publishTransaction(client as Redis, calls));
      return;
    }
    for (const call of calls)
      await this.#withRetry(() => SCRIPTS.publish.run(client, call.keys, call.args));
  }

  /**
   * Reserves up to `max` messages from the queues in order; waits up to `waitMs` for some. Acks
   * in `options.ack` ride in the first call on their queue.
   */
  async reserve(queues: string[], options: ReserveOptions): Promise<Delivery[]> {
    const client = this.#client ?? (await this.#ready());
    return this.#reserver.reserve(client, queues, options);
  }

  /** Acks deliveries, one script call per queue; returns how many were still held. */
  async ack(deliveries: Delivery[]): Promise<number> {
    const client = await this.#ready();
    const byQueue = groupBy(deliveries, (d) => d.queue);
    const counts = await Promise.all(
      [...byQueue].map(([queue, batch]) => {
        const keys = this.#keys.of(queue);
        return SCRIPTS.ack.run(
          client,
          [keys.held, keys.leases],
          batch.map((d) => d.receipt),
        );
      }),
    );
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  /** Returns a message for a later attempt, or moves it to the dead-letter queue. */
  async nack(delivery: Delivery, options: NackOptions): Promise<boolean> {
    checkRetryAt(delivery, options);
    const client = await this.#ready();
    const keys = this.#keys.of(delivery.queue);
    const body = options.body
      ? packEntry(delivery.priority, delivery.deliveryCount, delivery.id, options.body)
      : '';
    if ('deadLetter' in options) {
      const done = await SCRIPTS.deadLetter.run(
        client,
        [keys.held, keys.leases, keys.dead],
        [delivery.receipt, options.reason, body],
      );
      return Number(done) === 1;
    }
    // The retry time was reckoned on this worker's clock: as a delay it means the same on the
    // server's, where the script makes the message due.
    const delayMs = Math.max(0, Math.ceil(options.retryAt - Date.now()));
    const done = await SCRIPTS.retry.run(
      client,
      [...keys.ready, keys.delayed, keys.held, keys.leases, keys.dead],
      [delivery.receipt, delayMs, body, keys.wakeChannel],
    );
    return Number(done) === 1;
  }

  /** Renews leases for `ms` on the server's clock, one script call per queue; returns how many were still held. */
  async extendLease(deliveries: Delivery[], ms: number): Promise<number> {
    const client = await this.#ready();
    const counts = await Promise.all(
      [...groupBy(deliveries, (d) => d.queue)].map(([queue, batch]) =>
        SCRIPTS.extendLeases.run(
          client,
          [this.#keys.of(queue).leases],
          [ms, ...batch.map((d) => d.receipt)],
        ),
      ),
    );
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  /** Counts by state for one queue; a key holding a foreign value counts 0 with a problem. */
  async stats(queue: string): Promise<QueueStats> {
    const client = await this.#ready();
    const keys = this.#keys.of(queue);
    const reply = (await SCRIPTS.queueStats.run(
      client,
      [...keys.ready, keys.delayed, keys.held, keys.dead],
      [],
    )) as Array<number | Buffer>;
    const [ready, delayed, reserved, dead] = reply.slice(0, 4).map(Number) as number[];
    const stats: QueueStats = {
      queue,
      ready: ready ?? 0,
      reserved: reserved ?? 0,
      delayed: delayed ?? 0,
      dead: dead ?? 0,
    };
    const problems = reply.slice(4).map(String);
    return problems.length > 0 ? { ...stats, problems } : stats;
  }

  /** The delayed messages of a queue, soonest first (entries that do not parse are skipped). */
  async listDelayed(queue: string, limit: number): Promise<DelayedMessage[]> {
    const client = await this.#ready();
    const flat = await client.zrangeBuffer(
      this.#keys.of(queue).delayed,
      0,
      limit - 1,
      'WITHSCORES',
    );
    const out: DelayedMessage[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const entry = unpackEntry(flat[i] as Buffer);
      if (entry)
        out.push({ id: entry.id, queue, body: entry.body, availableAt: Number(flat[i + 1]) });
    }
    return out;
  }

  /** Queue names ever published to, sorted. */
  async queues(): Promise<string[]> {
    const client = await this.#ready();
    return (await client.smembers(queueIndexKey(this.#prefix))).sort();
  }

  /** Deletes ready and delayed messages of a queue. */
  async purge(queue: string): Promise<number> {
    const client = await this.#ready();
    const keys = this.#keys.of(queue);
    return Number(await SCRIPTS.purge.run(client, [...keys.ready, keys.delayed], []));
  }

  /** Lists dead letters, oldest first. */
  async listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const queues = query.queue ? [query.queue] : await this.queues();
    return listDeadLetters(await this.#ready(), this.#keys, queues, query);
  }

  /** Moves dead letters back to their queues. */
  async requeueDeadLetters(ids?: string[]): Promise<number> {
    return (await this.requeueDeadLettersWithReport(ids)).requeued;
  }

  /** Moves dead letters back to their queues; says how many stayed (not an entry) and why. */
  async requeueDeadLettersWithReport(ids?: string[]): Promise<RequeueReport> {
    return requeueDeadLetters(await this.#ready(), this.#keys, await this.queues(), ids);
  }

  /** Deletes dead letters of one queue or all. */
  async purgeDeadLetters(queue?: string): Promise<number> {
    return purgeDeadLetters(await this.#ready(), this.#keys, queue ? [queue] : await this.queues());
  }

  async #open(): Promise<void> {
    const client = createClient(this.#target, {
      ...this.#options,
      feature: REDIS_FEATURE,
      offlineQueue: false,
    });
    client.on('error', (error) => this.#warn(error, 'redis connection error'));
    await connectClient(client, this.#target, this.#options.connectTimeoutMs);
    this.#client = client;
  }

  async #ready(): Promise<RedisClient> {
    if (!this.#client) await this.connect();
    return this.#client as RedisClient;
  }

  async #watch(queues: string[], handoffs: boolean): Promise<void> {
    this.#subscriber ??= this.#createSubscriber();
    const channels = queues.map((q) => this.#keys.of(q).wakeChannel);
    await this.#subscriber.watch(handoffs ? [...channels, this.#handoffChannel] : channels);
  }

  /** Subscribes the one subscriber connection (made on first use) to broadcast channels. */
  async #watchChannels(channels: string[]): Promise<void> {
    await this.#ready();
    this.#subscriber ??= this.#createSubscriber();
    await this.#subscriber.watch(channels);
  }

  #createSubscriber(): RedisSubscriber {
    const command = this.#client as RedisClient;
    return new RedisSubscriber({
      publish: (channel, message) => command.publish(channel, message),
      connect: async () => {
        const name = `${this.#options.connectionName}-sub`;
        const client = createClient(this.#target, {
          ...this.#options,
          feature: REDIS_FEATURE,
          offlineQueue: false,
          connectionName: name,
        });
        client.on('error', (error) => this.#warn(error, 'redis subscriber error'));
        await connectClient(client, this.#target, this.#options.connectTimeoutMs);
        return client;
      },
      heartbeatChannelPrefix: `${this.#prefix}:heartbeat:`,
      heartbeatMs: this.#options.heartbeatMs,
      binary: {
        prefix: this.#handoffChannel,
        receive: (_channel, message) => this.#reserver.receiveHandoff(message),
      },
      onMessage: (channel, message) => {
        const queue = this.#keys.queueOfChannel(channel);
        if (queue === undefined) return this.#broadcast.receive(channel, message);
        this.#reserver.receiveWake(queue, message);
      },
      onError: (error, what) => this.#warn(error, what),
    });
  }

  #warn(error: unknown, what: string): void {
    this.#log.warn(
      { err: scrubPassword(error instanceof Error ? error.message : String(error), this.#target) },
      what,
    );
  }

  async #index(client: RedisClient, queue: string): Promise<void> {
    if (this.#indexed.has(queue)) return;
    await this.#withRetry(() => client.sadd(queueIndexKey(this.#prefix), queue));
    this.#indexed.add(queue);
  }

  /** Retries a write through a connection outage until the publish timeout, then fails clearly. */
  async #withRetry<T>(operation: () => Promise<T>): Promise<T> {
    const deadline = monotonicMs() + this.#options.publishTimeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await operation();
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        if (monotonicMs() + delay > deadline) {
          throw new BrokerUnavailable(
            `could not publish to Redis at ${describeTarget(this.#target)} within ${this.#options.publishTimeoutMs} ms: ${(error as Error).message}`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
