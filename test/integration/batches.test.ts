import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type App,
  type AppConfig,
  type BatchItem,
  type BatchTaskOptions,
  RedisBroker,
  Reject,
} from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { BROKERS, counts, deadReasons, events, gate, harness, once } from './harness.ts';

type Kind = (typeof BROKERS)[number] | 'redis';
const KINDS: Kind[] = redisAvailable ? [...BROKERS, 'redis'] : BROKERS;
const EMPTY = { ready: 0, reserved: 0, delayed: 0, dead: 0 };
/** Long enough that only `maxSize` cuts a batch in tests about sizes. */
const NEVER = '1h';

/** Records what a batch handler saw: each batch's ids, and how often each id was handled. */
function recorder() {
  const batches: string[][] = [];
  const runs = new Map<string, number>();
  return {
    batches,
    runs,
    record(items: BatchItem[]) {
      batches.push(items.map((item) => item.id));
      for (const item of items) runs.set(item.id, (runs.get(item.id) ?? 0) + 1);
    },
    sizes: () => batches.map((b) => b.length),
  };
}

describe.each(KINDS)('batch tasks on the %s broker', (kind) => {
  const h = harness(kind === 'redis' ? 'memory' : kind);
  const prefix = `celeriac-test-batches-${randomUUID().slice(0, 8)}`;
  const admin = kind === 'redis' ? new Redis(redisUrl) : undefined;

  afterEach(async () => {
    if (!admin) return;
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
  });
  afterAll(() => admin?.disconnect());

  /** An app on this kind of broker (Redis: a prefix of this suite, deleted after each test). */
  const app = (config: AppConfig = {}): App =>
    kind === 'redis'
      ? h.app({ broker: new RedisBroker({ url: redisUrl, prefix, pollIntervalMs: 20 }), ...config })
      : h.app(config);

  const quickRetry: BatchTaskOptions['retry'] = { base: 10, jitter: false };

  it('handles 250 items in batches of at most 100, each item once, all acked', async () => {
    const a = app();
    const seen = recorder();
    const double = a.batchTask(
      'double',
      { maxSize: 100, maxWait: 50 },
      (_ctx, items: BatchItem<[n: number]>[]) => {
        seen.record(items);
        return { results: items.map((item) => item.args[0] * 2) };
      },
    );
    const worker = await h.worker(a, { concurrency: 4 });
    const done = events(worker, 'task:succeeded', 250);
    const results = await double.delayMany(Array.from({ length: 250 }, (_, i): [number] => [i]));
    await done;
    await worker.stop();
    expect(seen.sizes().reduce((sum, n) => sum + n, 0)).toBe(250);
    expect(Math.max(...seen.sizes())).toBeLessThanOrEqual(100);
    expect(new Set(seen.runs.values())).toEqual(new Set([1]));
    expect(seen.runs.size).toBe(250);
    expect(await counts(a)).toEqual(EMPTY);
    expect(await results[7]?.get()).toBe(14);
    expect(await results[249]?.get()).toBe(498);
  });

  it('runs what is buffered after maxWait: 3 items make one batch of 3', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask('index', { maxSize: 100, maxWait: 100 }, (_ctx, items) => {
      seen.record(items);
    });
    const worker = await h.worker(a);
    const done = events(worker, 'task:succeeded', 3);
    await index.delayMany([['a'], ['b'], ['c']]);
    await done;
    expect(seen.sizes()).toEqual([3]);
  });

  it('buffers at most maxSize items per batch task and runs batches only in slots', async () => {
    const a = app();
    const seen = recorder();
    const release = gate();
    let entered = 0;
    const bothRunning = gate();
    const index = a.batchTask('index', { maxSize: 10, maxWait: NEVER }, async (_ctx, items) => {
      seen.record(items);
      if (++entered === 2) bothRunning.open();
      await release.promise;
    });
    const worker = h.idleWorker(a, { concurrency: 2 });
    let peakBuffered = 0;
    worker.events.on('task:buffered', (e) => {
      peakBuffered = Math.max(peakBuffered, e.buffered);
    });
    await index.delayMany(Array.from({ length: 100 }, (_, i) => [i]));
    await worker.start();
    await bothRunning.promise;
    // Two slots, each running a batch of 10: nothing else is reserved while they run.
    expect(worker.active).toBe(2);
    expect(await counts(a)).toEqual({ ready: 80, reserved: 20, delayed: 0, dead: 0 });
    const done = events(worker, 'task:succeeded', 100);
    release.open();
    await done;
    await worker.stop();
    expect(peakBuffered).toBeLessThan(10);
    expect(seen.sizes()).toEqual(Array(10).fill(10));
    expect(await counts(a)).toEqual(EMPTY);
  });

  it('renews the leases of buffered items: a maxWait past the lease delivers nothing twice', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask('index', { maxSize: 100, maxWait: 2500 }, (_ctx, items) => {
      seen.record(items);
    });
    const worker = await h.worker(a, { lease: 1000 });
    const done = events(worker, 'task:succeeded', 2);
    await index.delayMany([['a'], ['b']]);
    await done;
    await worker.stop();
    expect(seen.sizes()).toEqual([2]);
    expect(await counts(a)).toEqual(EMPTY);
  });

  it('retries every item of a batch that threw, then acks them', async () => {
    const a = app();
    const seen = recorder();
    let calls = 0;
    const index = a.batchTask(
      'index',
      { maxSize: 5, maxWait: NEVER, retry: { ...quickRetry, max: 2 } },
      (_ctx, items) => {
        seen.record(items);
        if (++calls === 1) throw new Error('bulk endpoint down');
        return { results: items.map((item) => `indexed ${item.args[0]}`) };
      },
    );
    const worker = await h.worker(a);
    const retried = events(worker, 'task:retried', 5);
    const done = events(worker, 'task:succeeded', 5);
    const results = await index.delayMany([[1], [2], [3], [4], [5]]);
    expect((await retried).map((e) => e.error.message)).toEqual(
      Array(5).fill('bulk endpoint down'),
    );
    await done;
    await worker.stop();
    expect([...seen.runs.values()]).toEqual([2, 2, 2, 2, 2]);
    expect(await Promise.all(results.map((r) => r.get()))).toEqual(
      [1, 2, 3, 4, 5].map((n) => `indexed ${n}`),
    );
    expect(await counts(a)).toEqual(EMPTY);
  });

  it('dead-letters every item of a batch whose retries are exhausted, with the reason', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask(
      'index',
      { maxSize: 3, maxWait: NEVER, retry: { ...quickRetry, max: 1 } },
      (_ctx, items) => {
        seen.record(items);
        throw new Error('bulk failed');
      },
    );
    const worker = await h.worker(a);
    const dead = events(worker, 'message:dead-lettered', 3);
    const results = await index.delayMany([[1], [2], [3]]);
    await dead;
    await worker.stop();
    expect([...seen.runs.values()]).toEqual([2, 2, 2]);
    expect(await deadReasons(a)).toEqual(
      Array(3).fill('retries exhausted (1 of 1): Error: bulk failed'),
    );
    expect(await counts(a)).toEqual({ ...EMPTY, dead: 3 });
    expect(await Promise.all(results.map((r) => r.state()))).toEqual(Array(3).fill('FAILURE'));
  });

  it('retries only the items the handler reports as failed', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask(
      'index',
      { maxSize: 10, maxWait: 100, retry: quickRetry },
      (_ctx, items: BatchItem<[n: number]>[]) => {
        seen.record(items);
        const failing = items.filter((i) => [3, 7].includes(i.args[0]) && i.retries === 0);
        return {
          results: items.map((item) => item.args[0] * 10),
          failed: failing.map((item) => ({ id: item.id, error: new Error('mapping conflict') })),
        };
      },
    );
    const worker = await h.worker(a);
    const retried = events(worker, 'task:retried', 2);
    const done = events(worker, 'task:succeeded', 10);
    const results = await index.delayMany(Array.from({ length: 10 }, (_, i): [number] => [i]));
    const ids = results.map((r) => r.id);
    expect((await retried).map((e) => e.id).sort()).toEqual([ids[3], ids[7]].sort());
    await done;
    await worker.stop();
    expect(ids.map((id) => seen.runs.get(id))).toEqual([1, 1, 1, 2, 1, 1, 1, 2, 1, 1]);
    expect(await Promise.all(results.map((r) => r.get()))).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 10),
    );
    expect(await counts(a)).toEqual(EMPTY);
  });

  it('dead-letters a failed item whose retries are exhausted; Reject skips its retries', async () => {
    const a = app();
    const index = a.batchTask(
      'index',
      { maxSize: 4, maxWait: NEVER, retry: { ...quickRetry, max: 0 } },
      (_ctx, items: BatchItem<[name: string]>[]) => ({
        failed: [
          { id: items[1]?.id ?? '', error: new Error('mapping conflict') },
          { id: items[2]?.id ?? '', error: new Reject('not a document') },
        ],
      }),
    );
    const worker = await h.worker(a);
    const dead = events(worker, 'message:dead-lettered', 2);
    const done = events(worker, 'task:succeeded', 2);
    const results = await index.delayMany([['a'], ['b'], ['c'], ['d']]);
    await Promise.all([dead, done]);
    await worker.stop();
    expect(await deadReasons(a)).toEqual([
      'failed, retries disabled: Error: mapping conflict',
      'rejected: Reject: not a document',
    ]);
    expect(await Promise.all(results.map((r) => r.state()))).toEqual([
      'SUCCESS',
      'FAILURE',
      'FAILURE',
      'SUCCESS',
    ]);
    expect(await counts(a)).toEqual({ ...EMPTY, dead: 2 });
  });

  it('fails the whole batch when the report names an id not in it; nothing is lost', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask(
      'index',
      { maxSize: 2, maxWait: NEVER, retry: { ...quickRetry, max: 1 } },
      (_ctx, items) => {
        seen.record(items);
        if (items[0]?.retries === 0) return { failed: [{ id: 'nope', error: 'x' }] };
      },
    );
    const worker = await h.worker(a);
    const retried = events(worker, 'task:retried', 2);
    const done = events(worker, 'task:succeeded', 2);
    await index.delayMany([['a'], ['b']]);
    expect((await retried).map((e) => e.error.message)).toEqual(
      Array(2).fill(
        'batch handler of "index" reported a failure for id "nope", which is not in the batch',
      ),
    );
    await done;
    await worker.stop();
    expect([...seen.runs.values()]).toEqual([2, 2]);
    expect(await counts(a)).toEqual(EMPTY);
  });

  it('fails a whole batch at its time limit; STARTED is stored with trackStarted', async () => {
    const a = app();
    const states: string[] = [];
    const index = a.batchTask(
      'index',
      { maxSize: 2, maxWait: NEVER, timeLimit: 50, trackStarted: true, retry: { max: 0 } },
      async (ctx, items) => {
        states.push(...(await Promise.all(items.map((i) => a.asyncResult(i.id).state()))));
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      },
    );
    const worker = await h.worker(a);
    const dead = events(worker, 'message:dead-lettered', 2);
    await index.delayMany([['a'], ['b']]);
    await dead;
    expect(states).toEqual(['STARTED', 'STARTED']);
    expect(await deadReasons(a)).toEqual(
      Array(2).fill('failed, retries disabled: TimeLimitExceeded: time limit of 50 ms exceeded'),
    );
  });

  it('dead-letters a malformed message for a batch task; its neighbours still run', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask('index', { maxSize: 2, maxWait: NEVER }, (_ctx, items) => {
      seen.record(items);
    });
    const worker = await h.worker(a);
    const dead = once(worker, 'message:dead-lettered');
    const done = events(worker, 'task:succeeded', 2);
    await index.delay('first');
    const body = new TextEncoder().encode(JSON.stringify({ task: 'index', args: 'oops' }));
    await a.broker.enqueue([{ id: 'bad', queue: 'default', body }]);
    await index.delay('second');
    expect((await dead).reason).toBe(
      'malformed message: field "args" must be an array, got "oops"',
    );
    await done;
    await worker.stop();
    expect(seen.sizes()).toEqual([2]);
    expect(await counts(a)).toEqual({ ...EMPTY, dead: 1 });
  });

  it('returns buffered items to the queue at shutdown; another worker handles them', async () => {
    const a = app();
    const seen = recorder();
    const index = a.batchTask('index', { maxSize: 100, maxWait: NEVER }, (_ctx, items) => {
      seen.record(items);
    });
    const worker = await h.worker(a);
    const buffered = events(worker, 'task:buffered', 5);
    const results = await index.delayMany([[1], [2], [3], [4], [5]]);
    await buffered;
    const released = events(worker, 'task:released', 5);
    await worker.stop();
    await released;
    expect(seen.batches).toEqual([]);
    expect(await counts(a)).toEqual({ ...EMPTY, ready: 5 });

    const next = h.sibling(a);
    next.batchTask('index', { maxSize: 100, maxWait: 0 }, (_ctx, items) => {
      seen.record(items);
    });
    const other = await h.worker(next);
    const done = events(other, 'task:succeeded', 5);
    await done;
    await other.stop();
    expect([...seen.runs.keys()].sort()).toEqual(results.map((r) => r.id).sort());
    expect(await counts(a)).toEqual(EMPTY);
  });

  it('lets a running batch finish at shutdown and acks it', async () => {
    const a = app();
    const release = gate();
    const running = gate();
    const index = a.batchTask('index', { maxSize: 3, maxWait: NEVER }, async () => {
      running.open();
      await release.promise;
    });
    const worker = await h.worker(a);
    const results = await index.delayMany([[1], [2], [3]]);
    await running.promise;
    const stopped = worker.stop();
    release.open();
    await stopped;
    expect(await counts(a)).toEqual(EMPTY);
    expect(await Promise.all(results.map((r) => r.state()))).toEqual(Array(3).fill('SUCCESS'));
  });

  it('returns a running batch to the queue when shutdown gives up on it', async () => {
    const a = app();
    const release = gate();
    const running = gate();
    let finished = 0;
    const index = a.batchTask('index', { maxSize: 3, maxWait: NEVER }, async () => {
      running.open();
      await release.promise;
      finished++;
    });
    const worker = await h.worker(a);
    const results = await index.delayMany([[1], [2], [3]]);
    await running.promise;
    const released = events(worker, 'task:released', 3);
    await worker.stopNow();
    await released;
    release.open();
    // The handler ends after the shutdown: its outcome is not settled, the messages stay queued.
    while (finished === 0) await new Promise((r) => setImmediate(r));
    expect(await counts(a)).toEqual({ ...EMPTY, ready: 3 });
    expect(await Promise.all(results.map((r) => r.state()))).toEqual(Array(3).fill('PENDING'));
  });
});

describe('batch tasks and pools', () => {
  const h = harness('memory');

  it('refuses a threads or process pool worker that would consume a batch task', () => {
    const a = h.app({ routes: { 'search.*': 'search' } });
    a.batchTask('search.index', {}, () => {});
    expect(() => a.worker({ pool: 'threads', appModule: 'app.ts', queues: ['search'] })).toThrow(
      'batch task "search.index" cannot run on the threads pool: batches run on the async pool only; consume queue "search" with a worker on the async pool',
    );
    expect(() =>
      a.worker({ pool: 'process', appModule: 'app.ts', queues: ['default'] }),
    ).not.toThrow();
  });
});
