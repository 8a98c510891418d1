import { describe, expect, it } from 'vitest';
import { BROKERS, events, harness } from './harness.ts';

describe.each(BROKERS)('priorities on the %s broker', (kind) => {
  const h = harness(kind);

  it('runs higher priorities first, oldest first within one', async () => {
    const app = h.app();
    const order: string[] = [];
    const job = app.task('job', (_ctx, label: string) => {
      order.push(label);
    });
    const urgent = app.task('urgent', { priority: 9 }, (_ctx, label: string) => {
      order.push(label);
    });
    // Everything is sent before the worker starts.
    await job.delay('low-1');
    await job.delay('low-2');
    await job.applyAsync(['mid-1'], { priority: 5 });
    await urgent.delay('high-1');
    await job.delay('low-3');
    await urgent.delay('high-2');
    await job.applyAsync(['high-3'], { priority: 9 });
    await job.applyAsync(['mid-2'], { priority: 5 });
    await urgent.applyAsync(['low-4'], { priority: 0 });

    const worker = h.idleWorker(app, { concurrency: 1 });
    const done = events(worker, 'task:succeeded', 9);
    await worker.start();
    await done;
    expect(order).toEqual([
      'high-1',
      'high-2',
      'high-3',
      'mid-1',
      'mid-2',
      'low-1',
      'low-2',
      'low-3',
      'low-4',
    ]);
  });

  it('keeps the priority of a task through its retries', async () => {
    const app = h.app();
    const order: string[] = [];
    const flaky = app.task('flaky', { priority: 9, retry: { max: 1, base: 0 } }, (ctx) => {
      order.push(`flaky#${ctx.retries}`);
      if (ctx.retries === 0) throw new Error('again');
    });
    const job = app.task('job', (_ctx, label: string) => {
      order.push(label);
    });
    await flaky.delay();
    await job.delay('low-1');
    await job.delay('low-2');
    const worker = h.idleWorker(app, { concurrency: 1 });
    const done = events(worker, 'task:succeeded', 3);
    await worker.start();
    await done;
    expect(order).toEqual(['flaky#0', 'flaky#1', 'low-1', 'low-2']);
  });
});
