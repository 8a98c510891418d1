import { describe, expect, it } from 'vitest';
import type { Middleware } from '../../src/index.ts';
import { BROKERS, events, harness, once } from './harness.ts';

describe.each(BROKERS)('middleware and events on the %s broker', (kind) => {
  const h = harness(kind);

  it('passes every attempt through app.use() middleware, inside retries and results', async () => {
    const app = h.app();
    const seen: string[] = [];
    const first: Middleware = async (execution, next) => {
      const label = `${execution.task.name}#${execution.ctx.retries}`;
      seen.push(`first>${label}`);
      try {
        await next();
        seen.push(`first<${label}:ok`);
      } catch (error) {
        seen.push(`first<${label}:${(error as Error).message}`);
        throw error;
      }
    };
    const second: Middleware = async (execution, next) => {
      seen.push(`second>${execution.task.name}#${execution.envelope.retries}`);
      await next();
    };
    app.use(first).use(second);
    const flaky = app.task('flaky', { retry: { max: 2, base: 5, jitter: false } }, (ctx) => {
      seen.push(`handler#${ctx.retries}`);
      if (ctx.retries === 0) throw new Error('once');
      return 'ok';
    });
    await h.worker(app);
    expect(await (await flaky.delay()).get({ timeout: '10s' })).toBe('ok');
    expect(seen).toEqual([
      'first>flaky#0',
      'second>flaky#0',
      'handler#0',
      'first<flaky#0:once',
      'first>flaky#1',
      'second>flaky#1',
      'handler#1',
      'first<flaky#1:ok',
    ]);
  });

  it('lets a middleware change what the handler gets and returns', async () => {
    const app = h.app();
    app.use(async (execution, next) => {
      await next();
      if (execution.outcome?.kind === 'success') {
        execution.outcome = { kind: 'success', value: { wrapped: execution.outcome.value } };
      }
    });
    const one = app.task('one', () => 1);
    await h.worker(app);
    expect(await (await one.delay()).get({ timeout: '10s' })).toEqual({ wrapped: 1 });
  });

  it('keeps working when an event listener throws', async () => {
    const app = h.app();
    const job = app.task('job', (_ctx, n: number) => n);
    const broken = app.task('broken', { retry: { max: 0 } }, () => {
      throw new Error('bad');
    });
    const worker = h.idleWorker(app, { concurrency: 2 });
    // Registered first, so the throwing listeners below cannot hide these events.
    const succeeded = events(worker, 'task:succeeded', 5);
    const failed = once(worker, 'task:failed');
    for (const event of [
      'task:started',
      'task:succeeded',
      'task:failed',
      'worker:online',
    ] as const) {
      worker.events.on(event, () => {
        throw new Error(`listener of ${event} is broken`);
      });
    }
    await worker.start();
    const results = [];
    for (let n = 0; n < 5; n++) results.push(await job.delay(n));
    const bad = await broken.delay();
    expect((await succeeded).length).toBe(5);
    expect((await failed).id).toBe(bad.id);
    expect(await Promise.all(results.map((r) => r.get({ timeout: '10s' })))).toEqual([
      0, 1, 2, 3, 4,
    ]);
    expect(await bad.state()).toBe('FAILURE');
    expect(worker.active).toBe(0);
  });

  it('reports a lifecycle in order: online, started, succeeded, offline', async () => {
    const app = h.app();
    const one = app.task('one', () => 1);
    const worker = h.idleWorker(app, { name: 'w1@test', concurrency: 3 });
    const log: string[] = [];
    worker.events.on('worker:online', (e) =>
      log.push(`online ${e.name} ${e.queues.join(',')} ${e.concurrency}`),
    );
    worker.events.on('task:started', (e) => log.push(`started ${e.task}`));
    worker.events.on('task:succeeded', (e) => log.push(`succeeded ${e.task}`));
    worker.events.on('worker:offline', (e) => log.push(`offline ${e.name}`));
    const done = once(worker, 'task:succeeded');
    await worker.start();
    await one.delay();
    await done;
    await worker.stop();
    expect(log).toEqual([
      'online w1@test default 3',
      'started one',
      'succeeded one',
      'offline w1@test',
    ]);
  });
});
