import { describe, expect, it, vi } from 'vitest';
import { TaskFailed } from '../../src/index.ts';
import { BROKERS, counts, events, gate, harness, once } from './harness.ts';

describe.each(BROKERS)('results on the %s broker', (kind) => {
  const h = harness(kind);

  it('runs a sent task and returns its value: PENDING, then SUCCESS', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const result = await add.delay(2, 3);
    expect(await result.state()).toBe('PENDING');
    expect(await counts(app)).toEqual({ ready: 1, reserved: 0, delayed: 0, dead: 0 });

    await h.worker(app);
    expect(await result.get({ timeout: '10s' })).toBe(5);
    expect(await result.state()).toBe('SUCCESS');
    expect(await result.ready()).toBe(true);
    expect(await result.info()).toMatchObject({
      id: result.id,
      task: 'add',
      state: 'SUCCESS',
      value: 5,
      retries: 0,
    });
  });

  it('runs many tasks, each once, on a busy worker', async () => {
    const app = h.app();
    const runs = new Map<number, number>();
    const square = app.task('square', async (_ctx, n: number) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
      return n * n;
    });
    await h.worker(app, { concurrency: 4 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, n) => square.delay(n)));
    const values = await Promise.all(results.map((r) => r.get({ timeout: '10s' })));
    expect(values).toEqual(Array.from({ length: 30 }, (_, n) => n * n));
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(30);
  });

  it('round-trips JSON values, null and undefined', async () => {
    const app = h.app();
    const echo = app.task('echo', (_ctx, value: unknown) => value);
    const nothing = app.task('nothing', () => undefined);
    await h.worker(app);
    const value = { nested: [1, 'two', { three: true }], nil: null };
    expect(await (await echo.delay(value)).get({ timeout: '10s' })).toEqual(value);
    expect(await (await echo.delay(null)).get({ timeout: '10s' })).toBeNull();
    expect(await (await nothing.delay()).get({ timeout: '10s' })).toBeUndefined();
  });

  it('stores STARTED while a tracked task runs', async () => {
    const app = h.app();
    const release = gate();
    const tracked = app.task('tracked', { trackStarted: true }, async () => {
      await release.promise;
      return 'done';
    });
    const untracked = app.task('untracked', async () => {
      await release.promise;
      return 'done';
    });
    const worker = await h.worker(app);
    const started = events(worker, 'task:started', 2);
    const [a, b] = [await tracked.delay(), await untracked.delay()];
    await started;
    expect(await a.state()).toBe('STARTED');
    expect(await a.ready()).toBe(false);
    expect(await b.state()).toBe('PENDING');
    release.open();
    expect(await a.get({ timeout: '10s' })).toBe('done');
    expect(await b.get({ timeout: '10s' })).toBe('done');
  });

  it('forgets a result', async () => {
    const app = h.app();
    const one = app.task('one', () => 1);
    await h.worker(app);
    const result = await one.delay();
    expect(await result.get({ timeout: '10s' })).toBe(1);
    await result.forget();
    expect(await result.state()).toBe('PENDING');
    expect(await result.info()).toBeUndefined();
    expect(await app.asyncResult(result.id).state()).toBe('PENDING');
  });

  it('drops a result after the result TTL', async () => {
    const app = h.app({ resultTtl: 300 });
    const one = app.task('one', () => 1);
    await h.worker(app);
    const result = await one.delay();
    expect(await result.get({ timeout: '10s' })).toBe(1);
    await vi.waitFor(async () => expect(await result.state()).toBe('PENDING'), {
      timeout: 5000,
      interval: 50,
    });
  });

  it('stores nothing for a task that ignores its result', async () => {
    const app = h.app();
    const quiet = app.task('quiet', { ignoreResult: true, trackStarted: true }, () => 'secret');
    const loud = app.task('loud', () => 'public');
    const worker = await h.worker(app);
    const done = events(worker, 'task:succeeded', 2);
    const [q, l] = [await quiet.delay(), await loud.delay()];
    const finished = await done;
    expect(finished.map((e) => e.task).sort()).toEqual(['loud', 'quiet']);
    expect(await q.info()).toBeUndefined();
    expect(await q.get({ timeout: 50 }).catch((e: Error) => e.message)).toBe(
      `result of task ${q.id} not ready within 50 ms`,
    );
    expect(await l.state()).toBe('SUCCESS');
  });

  it('stores nothing app-wide with ignoreResult, unless a task asks', async () => {
    const app = h.app({ ignoreResult: true });
    const quiet = app.task('quiet', () => 'x');
    const failing = app.task('failing', { retry: { max: 0 } }, () => {
      throw new Error('nope');
    });
    const kept = app.task('kept', { ignoreResult: false }, () => 'y');
    const worker = await h.worker(app);
    const done = events(worker, 'task:succeeded', 2);
    const failed = once(worker, 'task:failed');
    const [q, f, k] = [await quiet.delay(), await failing.delay(), await kept.delay()];
    await Promise.all([done, failed]);
    expect(await q.info()).toBeUndefined();
    expect(await f.info()).toBeUndefined();
    expect(await k.get({ timeout: '10s' })).toBe('y');
  });

  it('throws TaskFailed from get() for a failed task', async () => {
    const app = h.app();
    const broken = app.task('broken', { retry: { max: 0 } }, () => {
      throw new TypeError('cannot read x');
    });
    await h.worker(app);
    const result = await broken.delay();
    const error = await result.get({ timeout: '10s' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailed);
    expect((error as TaskFailed).message).toBe(
      `task broken[${result.id}] ended in FAILURE: TypeError: cannot read x`,
    );
    expect((error as TaskFailed).remote).toMatchObject({
      name: 'TypeError',
      message: 'cannot read x',
    });
  });

  it('sends by name, with kwargs, headers and an id of the caller', async () => {
    const app = h.app();
    app.task('ctx.echo', (ctx, a: number) => ({
      a,
      id: ctx.id,
      rootId: ctx.rootId,
      kwargs: ctx.kwargs,
      headers: ctx.headers,
      queue: ctx.queue,
      eager: ctx.eager,
    }));
    await h.worker(app);
    const result = await app.sendTask('ctx.echo', [7], {
      id: 'my-id',
      kwargs: { k: 'v' },
      headers: { trace: 't1' },
    });
    expect(result.id).toBe('my-id');
    expect(await result.get({ timeout: '10s' })).toEqual({
      a: 7,
      id: 'my-id',
      rootId: 'my-id',
      kwargs: { k: 'v' },
      headers: { trace: 't1' },
      queue: 'default',
      eager: false,
    });
  });

  it('holds a countdown task until it is due', async () => {
    const app = h.app();
    const one = app.task('one', () => 1);
    const result = await one.applyAsync([], { countdown: '1h' });
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 1, dead: 0 });
    const soon = await one.applyAsync([], { countdown: 100 });
    await h.worker(app);
    expect(await soon.get({ timeout: '10s' })).toBe(1);
    expect(await result.state()).toBe('PENDING');
    expect(await counts(app)).toMatchObject({ delayed: 1 });
  });
});
