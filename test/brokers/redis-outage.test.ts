import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { type App, BrokerUnavailable, createApp, type Worker } from '../../src/index.ts';
import { redisServerBinary } from '../support/redis-available.ts';
import { type RedisServerHandle, startRedisServer } from '../support/redis-servers.ts';

/** Resolves once `count` tasks have succeeded on the worker. */
function succeeded(worker: Worker, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const listener = () => {
      seen++;
      if (seen === count) {
        worker.events.off('task:succeeded', listener);
        resolve();
      }
    };
    worker.events.on('task:succeeded', listener);
  });
}

/** The server's pid, from its own INFO. */
async function serverPid(url: string): Promise<number> {
  const admin = new Redis(url);
  try {
    return Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
  } finally {
    admin.disconnect();
  }
}

/** Resolves once `predicate` holds, looking every 20 ms. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.skipIf(!redisServerBinary)('redis broker through an outage', () => {
  let server: RedisServerHandle | undefined;
  let app: App | undefined;
  let worker: Worker | undefined;

  afterEach(async () => {
    await worker?.stopNow();
    await app?.close();
    await server?.stop();
    worker = undefined;
    app = undefined;
    server = undefined;
  });

  const setUp = async (
    options: { publishTimeoutMs?: number; heartbeatMs?: number; pollIntervalMs?: number } = {},
  ) => {
    server = await startRedisServer();
    const broker = new RedisBroker({ url: server.url, prefix: 'outage', ...options });
    app = createApp({
      broker,
      defaultQueue: 'q',
      logLevel: 'silent',
      worker: { pollTimeout: '60s' },
    });
    const ran: number[] = [];
    const task = app.task('outage.record', (_ctx, n: number) => {
      ran.push(n);
    });
    return { broker, task, ran, app, server };
  };

  it('a worker reconnects after Redis restarts and consumes tasks sent afterwards', async () => {
    const { task, ran, app, server } = await setUp();
    worker = app.worker({ concurrency: 10 });
    await worker.start();
    const before = succeeded(worker, 50);
    await task.delayMany(Array.from({ length: 50 }, (_, i) => [i] as [number]));
    await before;
    await server.restart();
    const after = succeeded(worker, 50);
    await task.delayMany(Array.from({ length: 50 }, (_, i) => [100 + i] as [number]));
    await after;
    expect(ran.filter((n) => n >= 100).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => 100 + i),
    );
  });

  it('a worker whose Redis went silent drops the connection, reconnects and consumes again', async () => {
    server = await startRedisServer();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const broker = new RedisBroker(
      { url: server.url, prefix: 'silent', livenessTimeoutMs: 200 },
      logger,
    );
    app = createApp({ broker, defaultQueue: 'q', logLevel: 'silent' });
    const ran: number[] = [];
    const task = app.task('silent.record', (_ctx, n: number) => {
      ran.push(n);
    });
    worker = app.worker({ concurrency: 4 });
    await worker.start();
    const first = succeeded(worker, 1);
    await task.delay(0);
    await first;
    const pid = await serverPid(server.url);
    const drops = () => lines.filter((l) => l.includes('no reply from Redis to a PING')).length;
    // SIGSTOP: the socket stays open and the kernel acknowledges, but nothing answers, as in a
    // partition that drops packets.
    process.kill(pid, 'SIGSTOP');
    try {
      await until(() => drops() >= 1);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const after = succeeded(worker, 20);
    await task.delayMany(Array.from({ length: 20 }, (_, i) => [1 + i] as [number]));
    await after;
    expect(drops()).toBeGreaterThanOrEqual(1);
    expect(ran.slice(1).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 1 + i));
  });

  it('delay() during an outage rejects with a clear error within the publish timeout', async () => {
    const { task, server } = await setUp({ publishTimeoutMs: 500 });
    await task.delay(1);
    await server.kill();
    const error = await task.delay(2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrokerUnavailable);
    expect((error as Error).message).toMatch(
      new RegExp(`^could not publish to Redis at 127\\.0\\.0\\.1:${server.port} within 500 ms: `),
    );
  });

  it('delay() during a short outage succeeds once Redis is back, and the task runs', async () => {
    const { task, ran, app, server } = await setUp({ publishTimeoutMs: 20_000 });
    worker = app.worker({ concurrency: 2 });
    await worker.start();
    await server.kill();
    const sending = task.delay(7);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const done = succeeded(worker, 1);
    await server.restart();
    const result = await sending;
    await done;
    expect(result.id).toBeTypeOf('string');
    expect(ran).toEqual([7]);
  });

  it('rebuilds a wake-up subscription that went quiet, and tasks flow again', async () => {
    const { broker, task, ran, app } = await setUp({ heartbeatMs: 100, pollIntervalMs: 60_000 });
    worker = app.worker({ concurrency: 2 });
    await worker.start();
    const first = succeeded(worker, 1);
    await task.delay(1);
    await first;
    // Silence the subscription behind the client's back, as a lost resubscribe would.
    await broker.subscriber?.connection?.unsubscribe();
    while ((broker.subscriber?.rebuilds ?? 0) === 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const second = succeeded(worker, 1);
    await task.delay(2);
    await second;
    expect(ran).toEqual([1, 2]);
    expect(broker.subscriber?.rebuilds).toBeGreaterThanOrEqual(1);
  });
});
