import type { Logger } from 'pino';
import { CeleriacError } from '../../errors/errors.ts';
import { createLogger } from '../../logging/logger.ts';
import { redactUrl } from '../../logging/redact-url.ts';
import { LazyClient } from '../../redis/lazy-client.ts';
import {
  type ClientOptions,
  connectClient,
  createClient,
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
import { READY_STATES, type ResultBackend, type TaskResultRecord } from '../backend.ts';
import { PendingWaits } from '../pending-waits.ts';
import { decodeRecord, type EncodedRecord, encodeRecord } from '../record-json.ts';
import type {
  ChordJoin,
  ChordMemberOutcome,
  ChunkProgress,
  WorkflowStore,
} from '../workflow-store.ts';
import { ChannelListeners } from './channel-listeners.ts';
import { forgetRedisChord, joinRedisChord } from './chord-join.ts';
import { commitRedisProgress, progressKey, readRedisProgress } from './chunk-progress.ts';
import { Wakeup } from './wakeup.ts';

/** Options of the Redis result backend; every one has a default. */
export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port/db` or `rediss://…`; `?prefix=name` sets the prefix. */
  url?: string;
  /** Prefix of every key and channel; wins over the URL's `?prefix=`. Default `celeriac`. */
  prefix?: string;
  /** How long a connect may take before it fails with one clear line. Default 10 s. */
  connectTimeoutMs?: number;
  /** Shown in CLIENT LIST; the subscriber connection adds `-sub`. Default `celeriac-backend`. */
  connectionName?: string;
  /** Receives errors of established connections. Default: a logger at level `warn`. */
  logger?: Logger;
  /**
   * While waiting, read the record this often even without a message, in case the subscriber
   * silently lost its subscription (say, across a reconnect). Default 2 s.
   */
  recheckIntervalMs?: number;
  /**
   * How often the subscriber proves it still receives, by a heartbeat published to itself; it
   * is rebuilt after 3 misses. Default 5 s.
   */
  heartbeatMs?: number;
}

interface Session {
  commands: LazyClient;
  subscriber: RedisSubscriber;
  listeners: ChannelListeners;
}

/** Named in the error when ioredis is missing. */
const FEATURE = 'the Redis result backend';

/** The key of a task's result, which is also the channel its updates are published on. */
export function resultKey(prefix: string, id: string): string {
  // The braces make a hash tag, so the key maps to one cluster slot whatever the prefix.
  return `${prefix}:result:{${id}}`;
}

/**
 * A result backend in Redis: one string key per task, holding the JSON record with a TTL.
 * Every `set` also publishes the new state on the key's channel, so `wait` sleeps on a
 * subscription instead of polling. At most two connections: commands, and one subscriber
 * shared by all waits.
 */
export class RedisBackend implements ResultBackend, WorkflowStore {
  /** The URL, with any password replaced by `***`. */
  readonly url: string;
  /** Prefix of every key and channel. */
  readonly prefix: string;
  private readonly target: RedisTarget;
  private readonly connectTimeoutMs: number;
  private readonly connectionName: string;
  private readonly recheckIntervalMs: number;
  private readonly heartbeatMs: number;
  private logger: Logger | undefined;
  private session: Session | undefined;
  private closed = false;
  /** Pending waits, aborted by `close`. */
  private readonly waits = new PendingWaits();

  constructor(options: RedisBackendOptions = {}) {
    const url = options.url ?? DEFAULT_REDIS_URL;
    this.target = parseRedisUrl(url, 'backend');
    this.url = redactUrl(url);
    this.prefix = options.prefix ?? this.target.prefix ?? 'celeriac';
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.connectionName = options.connectionName ?? 'celeriac-backend';
    this.recheckIntervalMs = options.recheckIntervalMs ?? 2_000;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.logger = options.logger;
  }

  /** Opens the command connection; idempotent, and reopens after `close`. */
  async connect(): Promise<void> {
    this.closed = false;
    await this.use().commands.open();
  }

  /** Ends pending waits with undefined and quits both connections. */
  async close(): Promise<void> {
    this.closed = true;
    this.waits.abortAll();
    const session = this.session;
    this.session = undefined;
    session?.listeners.close();
    await session?.commands.close();
  }

  /** Returns the record, or undefined when it is unknown or expired. */
  async get(id: string): Promise<TaskResultRecord | undefined> {
    const client = await this.use().commands.open();
    const json = await client.get(resultKey(this.prefix, id));
    return json === null ? undefined : decodeRecord(JSON.parse(json) as EncodedRecord);
  }

  /** Stores the record (expiring `ttlMs` from now, never when 0) and publishes its state. */
  async set(record: TaskResultRecord, ttlMs: number): Promise<void> {
    const key = resultKey(this.prefix, record.id);
    const json = JSON.stringify(encodeRecord(record));
    const client = await this.use().commands.open();
    // One transaction, so a waiter that reads after the message always finds the new record.
    const transaction = client.multi();
    if (ttlMs > 0) transaction.set(key, json, 'PX', Math.ceil(ttlMs));
    else transaction.set(key, json);
    transaction.publish(key, record.state);
    const replies = await transaction.exec();
    if (replies === null) throw new Error(`storing the result of task ${record.id} was aborted`);
    const failed = replies.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  /** Deletes the record. */
  async forget(id: string): Promise<void> {
    const client = await this.use().commands.open();
    await client.del(resultKey(this.prefix, id));
  }

  /** Counts a chord member once, in one Lua script; see `WorkflowStore`. */
  async joinChord(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    ttlMs: number,
  ): Promise<ChordJoin> {
    const client = await this.use().commands.open();
    return joinRedisChord(client, this.prefix, chordId, size, index, outcome, ttlMs);
  }

  /** Deletes a chord's state. */
  async forgetChord(chordId: string): Promise<void> {
    const client = await this.use().commands.open();
    await forgetRedisChord(client, this.prefix, chordId);
  }

  /**
   * Resolves once the record is ready, woken by the message `set` publishes; undefined at
   * timeout, abort or `close`.
   */
  async wait(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskResultRecord | undefined> {
    return this.waits.run(signal, (stop) => this.waitReady(id, Date.now() + timeoutMs, stop));
  }

  /** The chunked-task progress stored under `key`, or undefined. */
  async readProgress(key: string): Promise<ChunkProgress | undefined> {
    const client = await this.use().commands.open();
    return readRedisProgress(client, progressKey(this.prefix, key));
  }

  /** Stores `next` only when the progress is at `fromStep`, in one Lua script. */
  async commitProgress(
    key: string,
    fromStep: number,
    next: ChunkProgress,
    ttlMs: number,
  ): Promise<boolean> {
    const client = await this.use().commands.open();
    return commitRedisProgress(client, progressKey(this.prefix, key), fromStep, next, ttlMs);
  }

  /** How many result channels the shared subscriber listens on now (for tests and stats). */
  get subscribedChannels(): number {
    return this.session?.listeners.channelCount ?? 0;
  }

  /** @internal The shared subscription of result channels, for tests and diagnostics. */
  get subscriber(): RedisSubscriber | undefined {
    return this.session?.subscriber;
  }

  private async waitReady(
    id: string,
    deadline: number,
    stop: AbortSignal,
  ): Promise<TaskResultRecord | undefined> {
    // Most results are fetched after they are ready: skip the subscription then.
    const current = await this.get(id);
    if (isReady(current)) return current;
    if (Date.now() >= deadline || stop.aborted) return undefined;
    const wakeup = new Wakeup();
    const release = await this.use().listeners.listen(resultKey(this.prefix, id), (state) => {
      if (READY_STATES.has(state as TaskResultRecord['state'])) wakeup.set();
    });
    try {
      for (;;) {
        // Subscribed before this read, so a `set` just before it is read, one just after wakes us.
        wakeup.clear();
        const record = await this.get(id);
        if (isReady(record)) return record;
        const left = deadline - Date.now();
        if (left <= 0 || stop.aborted) return undefined;
        await wakeup.sleep(Math.min(left, this.recheckIntervalMs), stop);
      }
    } finally {
      await release();
    }
  }

  /** The current connections, created on first use; throws once closed. */
  private use(): Session {
    if (this.closed) {
      throw new CeleriacError('BACKEND_CLOSED', `result backend ${this.url} is closed`);
    }
    if (this.session) return this.session;
    const onError = (error: unknown) => this.reportError(error);
    const commands = new LazyClient(this.target, {
      ...this.connectionOptions(this.connectionName),
      onError,
      closedCode: 'BACKEND_CLOSED',
    });
    const subscriber = new RedisSubscriber({
      publish: async (channel, message) => (await commands.open()).publish(channel, message),
      connect: () => this.connectSubscriber(),
      heartbeatChannelPrefix: `${this.prefix}:heartbeat:`,
      heartbeatMs: this.heartbeatMs,
      onMessage: (channel, message) => listeners.receive(channel, message),
      onError: (error) => this.reportError(this.scrub(error)),
    });
    const listeners = new ChannelListeners(subscriber, onError);
    this.session = { commands, subscriber, listeners };
    return this.session;
  }

  /** A fresh subscriber connection, for the first wait and every rebuild. */
  private async connectSubscriber(): Promise<RedisClient> {
    const client = createClient(this.target, this.connectionOptions(`${this.connectionName}-sub`));
    await connectClient(client, this.target, this.connectTimeoutMs);
    return client;
  }

  private connectionOptions(connectionName: string): ClientOptions {
    // Commands wait across a short outage: a wait or a `get` has no retry loop of its own.
    return {
      feature: FEATURE,
      connectionName,
      connectTimeoutMs: this.connectTimeoutMs,
      offlineQueue: true,
    };
  }

  /** The error with the password (should a server echo it) replaced in its message. */
  private scrub(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    return new Error(scrubPassword(error.message, this.target));
  }

  private reportError(error: unknown): void {
    this.logger ??= createLogger('warn');
    this.logger.warn({ err: error, redis: describeTarget(this.target) }, 'redis result backend');
  }
}

function isReady(record: TaskResultRecord | undefined): record is TaskResultRecord {
  return record !== undefined && READY_STATES.has(record.state);
}
