import { describe, expect, it } from 'vitest';
import type { TaskContext } from '../../src/index.ts';
import { BROKERS, counts, events, harness } from './harness.ts';

/** Resolves after `ms`, or when the signal aborts: a handler that watches its signal. */
function work(ctx: TaskContext, ms: number): Promise<'finished' | 'aborted'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('finished'), ms);
    ctx.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve('aborted');
      },
      { once: true },
    );
  });
}

describe.each(BROKERS)('graceful shutdown on the %s broker', (kind) => {
  const h = harness(kind);

  it('lets running tasks finish within the shutdown timeout', async () => {
    const app = h.app();
    const finished: number[] = [];
    const job = app.task('job', async (ctx, n: number) => {
      const how = await work(ctx, 200);
      if (how === 'finished') finished.push(n);
      return how;
    });
    const worker = await h.worker(app, { concurrency: 5 });
    const started = events(worker, 'task:started', 3);
    const results = [await job.delay(1), await job.delay(2), await job.delay(3)];
    await started;
    let offline = 0;
    worker.events.on('worker:offline', () => offline++);
    await worker.stop();
    expect(offline).toBe(1);
    expect(finished.sort()).toEqual([1, 2, 3]);
    expect(await Promise.all(results.map((r) => r.state()))).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
    ]);
    expect(await Promise.all(results.map((r) => r.get()))).toEqual([
      'finished',
      'finished',
      'finished',
    ]);
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('takes no new task once stopping', async () => {
    const app = h.app();
    const job = app.task('job', () => 'ran');
    const worker = await h.worker(app);
    await worker.stop();
    const result = await job.delay();
    expect(await counts(app)).toMatchObject({ ready: 1 });
    expect(await result.state()).toBe('PENDING');
    // Stopping twice is harmless.
    await worker.stop();
  });

  it('returns unfinished tasks to the queue after the shutdown timeout; a new worker runs them', async () => {
    const app = h.app();
    const starts = new Map<number, number>();
    const completions: number[] = [];
    const outcomes: string[] = [];
    const job = app.task('job', async (ctx, n: number) => {
      const attempt = (starts.get(n) ?? 0) + 1;
      starts.set(n, attempt);
      // Slow the first time (until its signal aborts), quick the second.
      const how = await work(ctx, attempt === 1 ? 10_000 : 10);
      outcomes.push(`${n}:${attempt}:${how}`);
      if (how === 'aborted') throw new Error('aborted by shutdown');
      completions.push(n);
      return n;
    });
    const first = await h.worker(app, { concurrency: 3, shutdownTimeout: 100 });
    const started = events(first, 'task:started', 3);
    const results = [await job.delay(1), await job.delay(2), await job.delay(3)];
    await started;
    let released = 0;
    first.events.on('task:succeeded', () => released--);
    await first.stop();
    expect(released).toBe(0);
    expect(await counts(app)).toEqual({ ready: 3, reserved: 0, delayed: 0, dead: 0 });
    // The handlers saw their signal abort and stopped.
    expect(outcomes.sort()).toEqual(['1:1:aborted', '2:1:aborted', '3:1:aborted']);

    const second = h.idleWorker(app, { concurrency: 3 });
    const done = events(second, 'task:succeeded', 3);
    await second.start();
    const finished = await done;
    // Returned unchanged: not counted as a retry.
    expect(finished.map((e) => e.retries)).toEqual([0, 0, 0]);
    expect(await Promise.all(results.map((r) => r.get({ timeout: '10s' })))).toEqual([1, 2, 3]);
    expect(completions.sort()).toEqual([1, 2, 3]);
    expect([...starts.values()]).toEqual([2, 2, 2]);
    await second.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('returns running tasks at once with stopNow(), even handlers that ignore their signal', async () => {
    const app = h.app();
    let executions = 0;
    let completions = 0;
    const stubborn = app.task('stubborn', { retry: { max: 0 } }, async (_ctx, ms: number) => {
      executions++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      completions++;
    });
    const first = await h.worker(app, { concurrency: 2, shutdownTimeout: '1h' });
    const started = events(first, 'task:started', 2);
    const results = [await stubborn.delay(60_000), await stubborn.delay(60_000)];
    await started;
    let failed = 0;
    first.events.on('task:failed', () => failed++);
    await first.stopNow();
    expect(await counts(app)).toEqual({ ready: 2, reserved: 0, delayed: 0, dead: 0 });
    expect(failed).toBe(0);
    expect(executions).toBe(2);
    expect(completions).toBe(0);
    expect(await Promise.all(results.map((r) => r.state()))).toEqual(['PENDING', 'PENDING']);
  });

  it('returns signal-watching tasks unchanged with stopNow(): not retried, not failed', async () => {
    const app = h.app();
    const outcomes: string[] = [];
    const job = app.task('job', { retry: { max: 0 } }, async (ctx) => {
      outcomes.push(await work(ctx, 60_000));
    });
    const first = await h.worker(app, { concurrency: 2, shutdownTimeout: '1h' });
    const started = events(first, 'task:started', 2);
    await job.delay();
    await job.delay();
    await started;
    let settled = 0;
    for (const event of [
      'task:failed',
      'task:retried',
      'task:succeeded',
      'message:dead-lettered',
    ] as const) {
      first.events.on(event, () => settled++);
    }
    await first.stopNow();
    expect(outcomes).toEqual(['aborted', 'aborted']);
    expect(settled).toBe(0);
    expect(await counts(app)).toEqual({ ready: 2, reserved: 0, delayed: 0, dead: 0 });
    const [body] = (await app.broker.reserve(['default'], { max: 1, leaseMs: 60_000 })).map((d) =>
      JSON.parse(new TextDecoder().decode(d.body)),
    );
    // Not retried: the retry count (left out on the wire while 0) did not grow.
    expect(body.retries).toBeUndefined();
  });

  it('returns every unfinished task unchanged even when the broker is slow to take them back', async () => {
    const app = h.app();
    const nack = app.broker.nack.bind(app.broker);
    app.broker.nack = async (delivery, options) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return nack(delivery, options);
    };
    const job = app.task('job', { retry: { max: 0 } }, async (ctx) => {
      if ((await work(ctx, 60_000)) === 'aborted') throw new Error('aborted by shutdown');
    });
    const first = await h.worker(app, { concurrency: 4, shutdownTimeout: 50 });
    const started = events(first, 'task:started', 4);
    for (let i = 0; i < 4; i++) await job.delay();
    await started;
    let settled = 0;
    for (const event of [
      'task:failed',
      'task:retried',
      'task:succeeded',
      'message:dead-lettered',
    ] as const) {
      first.events.on(event, () => settled++);
    }
    await first.stop();
    expect(settled).toBe(0);
    expect(await counts(app)).toEqual({ ready: 4, reserved: 0, delayed: 0, dead: 0 });
  });

  it('ends the wait when stop() is called a second time', async () => {
    const app = h.app();
    const job = app.task('job', async (ctx) => work(ctx, 60_000));
    const worker = await h.worker(app, { shutdownTimeout: '1h' });
    const started = events(worker, 'task:started', 1);
    await job.delay();
    await started;
    const stopping = worker.stop();
    await worker.stop();
    await stopping;
    expect(await counts(app)).toEqual({ ready: 1, reserved: 0, delayed: 0, dead: 0 });
  });

  it('loses no task when stopped and restarted under load', async () => {
    const app = h.app();
    const executions = new Map<number, number>();
    const job = app.task('job', async (ctx, n: number) => {
      const how = await work(ctx, 30);
      if (how === 'aborted') throw new Error('aborted');
      executions.set(n, (executions.get(n) ?? 0) + 1);
      return n;
    });
    const total = 40;
    const results = await Promise.all(Array.from({ length: total }, (_, n) => job.delay(n)));
    const first = await h.worker(app, { concurrency: 4, shutdownTimeout: 10 });
    await events(first, 'task:succeeded', 5);
    await first.stop();
    const second = await h.worker(app, { concurrency: 8 });
    expect(await Promise.all(results.map((r) => r.get({ timeout: '20s' })))).toEqual(
      Array.from({ length: total }, (_, n) => n),
    );
    expect(executions.size).toBe(total);
    await second.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });
});
