import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/index.ts';
import { until } from '../e2e/e2e-env.ts';

const FIXTURE = new URL('./fixtures/pool-tasks.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'celeriac-pools-'));
// Set before the fixture loads, here and in every child the pools start.
process.env.POOL_TEST_BROKER = `sqlite://${join(dir, 'broker.db')}`;
process.env.POOL_TEST_BACKEND = `sqlite://${join(dir, 'results.db')}`;
const tasks = await import('./fixtures/pool-tasks.ts');
const { app } = tasks;

type Where = { pid: number; thread: number };
const GET = { timeout: 20_000 };

/** A child's identity: its process id in the process pool, its thread id in the threads pool. */
const childOf = (where: Where) => `${where.pid}/${where.thread}`;

describe.each(['threads', 'process'] as const)('the %s pool', (pool) => {
  let worker: Worker | undefined;
  const start = async (options: Parameters<typeof app.worker>[0] = {}) => {
    worker = app.worker({ pool, appModule: FIXTURE, concurrency: 2, ...options });
    await worker.start();
    return worker;
  };
  /** Waits until the worker's counters read `expected`: a result is stored before the ack. */
  const settled = async (expected: Partial<Worker['stats']>) => {
    const matches = () =>
      Object.entries(expected).every(
        ([key, n]) => worker?.stats[key as keyof Worker['stats']] === n,
      );
    await until(matches, `worker counters ${JSON.stringify(expected)}`, 10_000);
    expect(worker?.stats).toMatchObject(expected);
  };
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    // A test that failed midway must not leave its tasks to the next one.
    await app.broker.purge('pool');
  });

  it('runs tasks in its children, not in the worker', async () => {
    await start();
    expect(await (await tasks.add.delay(2, 3)).get(GET)).toBe(5);
    const where = await (await tasks.whoami.delay()).get(GET);
    if (pool === 'threads') {
      expect(where.pid).toBe(process.pid);
      expect(where.thread).not.toBe(0);
    } else expect(where.pid).not.toBe(process.pid);
  });

  it('kills a task stuck in a loop at its hard time limit and replaces the child', async () => {
    await start({ concurrency: 1 });
    const before = childOf(await (await tasks.whoami.delay()).get(GET));
    const stuck = await tasks.spin.delay();
    await expect(stuck.get(GET)).rejects.toThrow(
      'TimeLimitExceeded: time limit of 300 ms exceeded',
    );
    const after = childOf(await (await tasks.whoami.delay()).get(GET));
    expect(after).not.toBe(before);
    await settled({ failed: 1, deadLettered: 1 });
  });

  it('retries a task killed at the hard limit when its policy says so', async () => {
    await start();
    expect(await (await tasks.spinOnce.delay()).get(GET)).toBe('finished on retry');
    await settled({ retried: 1, succeeded: 1, failed: 0 });
  });

  it('retries per policy the task of a child that died mid-task, and keeps running', async () => {
    await start();
    const how = pool === 'process' ? 'kill' : 'exit';
    expect(await (await tasks.crash.delay(how)).get(GET)).toBe('survived');
    expect(await (await tasks.add.delay(1, 1)).get(GET)).toBe(2);
    await settled({ retried: 1, succeeded: 2, failed: 0 });
  });

  it('returns a task still running at the shutdown timeout to the queue, with no result stored', async () => {
    const w = await start({ concurrency: 1, shutdownTimeout: 200 });
    const started = new Promise((resolve) => w.events.once('task:started', resolve));
    const stuck = await tasks.hang.delay();
    await started;
    await w.stop();
    worker = undefined;
    expect(await app.broker.stats('pool')).toMatchObject({ ready: 1, reserved: 0 });
    expect(await stuck.state()).toBe('PENDING');
  });

  it('replaces a child after max tasks per child, losing and repeating nothing', async () => {
    await start({ concurrency: 1, maxTasksPerChild: 2 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await (await tasks.whoami.delay()).get(GET));
    const perChild = new Map<string, number>();
    for (const where of results)
      perChild.set(childOf(where), (perChild.get(childOf(where)) ?? 0) + 1);
    expect([...perChild.values()]).toEqual([2, 2, 2]);
    await settled({ started: 6, succeeded: 6 });
  });

  it('replaces a child whose memory passes max memory per child, after its task', async () => {
    // Each run keeps about 16 MB more alive in its child; a new child starts near its baseline.
    const baseline = await (async () => {
      await start({ concurrency: 1 });
      const mem = await (await tasks.memory.delay()).get(GET);
      await worker?.stop();
      return mem;
    })();
    await start({ concurrency: 1, maxMemoryPerChild: baseline + 40 * 2 ** 20 });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await (await tasks.leak.delay()).get(GET));
    const children = new Set(results.map(childOf));
    expect(children.size).toBeGreaterThan(1);
    expect(children.size).toBeLessThan(8);
    await settled({ started: 8, succeeded: 8 });
  });
});

describe('pool settings', () => {
  it('names a nonsense pool', () => {
    expect(() => app.worker({ pool: 'fork' as never })).toThrow(
      'unknown pool "fork": expected async, threads, process',
    );
  });

  it('asks for the app module in the threads and process pools', () => {
    expect(() => app.worker({ pool: 'threads' })).toThrow(
      'the threads pool needs the module that exports the app, as appModule (the CLI passes its -A)',
    );
  });

  it('refuses child limits on the async pool', () => {
    expect(() => app.worker({ maxTasksPerChild: 5 })).toThrow(
      'maxTasksPerChild applies to the threads and process pools, not to async',
    );
  });

  it('fails to start with the child module error', async () => {
    const broken = new URL('../e2e/fixtures/broken-module.ts', import.meta.url);
    const worker = app.worker({ pool: 'threads', appModule: broken, concurrency: 1 });
    await expect(worker.start()).rejects.toThrow(
      /a threads pool child could not load .*broken-module\.ts: could not load task module/,
    );
    await worker.stop();
  });
});

beforeAll(async () => {
  await app.connect();
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});
