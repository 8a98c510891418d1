import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  type App,
  type AppConfig,
  type Broker,
  createApp,
  MemoryBackend,
  MemoryBroker,
  RedisBackend,
  RedisBroker,
  type ResultBackend,
  SqliteBackend,
  SqliteBroker,
  type Worker,
  type WorkerEventMap,
  type WorkerOptions,
} from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

/** A broker of one kind, or a transport of one kind paired with the coordination of another. */
export type BrokerKind = 'memory' | 'sqlite' | 'redis' | 'memory+sqlite' | 'sqlite+redis';

/** Both embedded brokers, for `describe.each(BROKERS)`. */
export const BROKERS: BrokerKind[] = ['memory', 'sqlite'];

/** The embedded brokers and, when a Redis answers (always under CI=true), Redis. */
export const BROKERS_WITH_REDIS: BrokerKind[] = redisAvailable ? [...BROKERS, 'redis'] : BROKERS;

/**
 * Pairs that prove the seam between transport and coordination: the memory transport with a
 * SQLite file's coordination, and the SQLite transport with Redis's (when a Redis answers).
 */
export const MIXED_PAIRS: BrokerKind[] = redisAvailable
  ? ['memory+sqlite', 'sqlite+redis']
  : ['memory+sqlite'];

/** Every broker and every mixed pair, for the flow-control, beat and control suites. */
export const BROKERS_AND_PAIRS: BrokerKind[] = [...BROKERS_WITH_REDIS, ...MIXED_PAIRS];

type Single = 'memory' | 'sqlite' | 'redis';

/** Long enough for any event of these tests; short enough to fail with a clear message. */
const EVENT_TIMEOUT_MS = 15_000;

/**
 * Per-test apps and workers on the given broker, each with a result backend of the same kind
 * (SQLite files in a temp directory). Everything made is stopped, closed and deleted after
 * each test. Call inside a `describe`.
 */
export function harness(kind: BrokerKind) {
  const apps: App[] = [];
  const workers: Worker[] = [];
  const dirs: string[] = [];
  let dir: string | undefined;
  // Each test's Redis keys live under their own prefix, deleted afterwards.
  let prefix = `celeriac-it-${randomUUID().slice(0, 8)}`;

  const tempDir = () => {
    dir ??= mkdtempSync(join(tmpdir(), 'celeriac-it-'));
    if (!dirs.includes(dir)) dirs.push(dir);
    return dir;
  };

  const [transport, coordinator] = kind.split('+') as [Single, Single | undefined];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stopNow()));
    await Promise.all(apps.splice(0).map((a) => a.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    dir = undefined;
    if (kind.includes('redis')) await deleteRedisPrefix(prefix);
    prefix = `celeriac-it-${randomUUID().slice(0, 8)}`;
  });

  /** A broker of one kind; SQLite ones of one test share a file, like processes would. */
  const brokerOf = (of: Single, file: string): Broker => {
    if (of === 'memory') return new MemoryBroker();
    if (of === 'redis') return new RedisBroker({ url: redisUrl, prefix, pollIntervalMs: 200 });
    return new SqliteBroker({ path: join(tempDir(), file), pollIntervalMs: 10 });
  };

  /** The transport of this kind (the whole broker, for a single kind). */
  const broker = (): Broker => brokerOf(transport, 'broker.db');

  /** A pair's coordination: a broker of the second kind, on a file or prefix of its own. */
  const coordination = (): Broker | undefined =>
    coordinator === undefined ? undefined : brokerOf(coordinator, 'coordination.db');

  const backend = (): ResultBackend => {
    if (transport === 'memory') return new MemoryBackend();
    if (transport === 'redis') return new RedisBackend({ url: redisUrl, prefix });
    return new SqliteBackend({ path: join(tempDir(), 'results.db') });
  };

  /** An app on a fresh broker and backend of this kind (unless the config gives its own). */
  const app = (config: AppConfig = {}): App => {
    const paired = coordination();
    const made = createApp(
      {
        broker: broker(),
        ...(paired ? { coordination: paired } : {}),
        backend: backend(),
        logLevel: 'silent',
        ...config,
      },
      {},
    );
    apps.push(made);
    return made;
  };

  /** A second app on the same broker and backend objects, as another process would have. */
  const sibling = (of: App, config: AppConfig = {}): App => {
    const made = createApp(
      {
        ...of.config,
        broker: of.broker,
        coordination: of.config.coordination,
        backend: of.backend,
        ...config,
      },
      {},
    );
    apps.push(made);
    return made;
  };

  /** A started worker; `pollTimeout` short so stop() never waits on a long poll. */
  const worker = async (on: App, options: WorkerOptions = {}): Promise<Worker> => {
    const w = on.worker({ pollTimeout: 200, ...options });
    workers.push(w);
    await w.start();
    return w;
  };

  /** A worker not yet started, for tests that listen before it runs anything. */
  const idleWorker = (on: App, options: WorkerOptions = {}): Worker => {
    const w = on.worker({ pollTimeout: 200, ...options });
    workers.push(w);
    return w;
  };

  return { app, sibling, worker, idleWorker, broker, backend, tempDir };
}

/**
 * Resolves with the payloads of the next `count` `event`s of a worker; rejects, naming the
 * event and what was seen, if they do not all come within the time limit.
 */
export function events<K extends keyof WorkerEventMap>(
  worker: Worker,
  event: K,
  count: number,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<WorkerEventMap[K][0][]> {
  const seen: WorkerEventMap[K][0][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.events.off(event, listener as never);
      reject(new Error(`saw ${seen.length} of ${count} "${String(event)}" events`));
    }, timeoutMs);
    const listener = (payload: WorkerEventMap[K][0]) => {
      seen.push(payload);
      if (seen.length < count) return;
      clearTimeout(timer);
      worker.events.off(event, listener as never);
      resolve(seen);
    };
    worker.events.on(event, listener as never);
  });
}

/** Resolves with the payload of the next `event`. */
export async function once<K extends keyof WorkerEventMap>(
  worker: Worker,
  event: K,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<WorkerEventMap[K][0]> {
  const [payload] = await events(worker, event, 1, timeoutMs);
  return payload as WorkerEventMap[K][0];
}

/** A promise with its resolve, for handlers that wait for the test. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Reasons of the dead letters of an app's broker, oldest first. */
export async function deadReasons(app: App, queue?: string): Promise<string[]> {
  const letters = await app.broker.listDeadLetters(queue === undefined ? {} : { queue });
  return letters.map((d) => d.reason);
}

/** Counts of a queue without the queue name, for compact assertions. */
export async function counts(app: App, queue = 'default') {
  const { ready, reserved, delayed, dead } = await app.broker.stats(queue);
  return { ready, reserved, delayed, dead };
}
