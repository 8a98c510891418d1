import { describe, expect, it, vi } from 'vitest';
import { BROKERS, counts, events, harness, once } from './harness.ts';

describe.each(BROKERS)('leases on the %s broker', (kind) => {
  const h = harness(kind);

  it('renews the lease of a task that outlives it, so it is not delivered again', async () => {
    const app = h.app();
    const extend = vi.spyOn(app.broker, 'extendLease');
    let executions = 0;
    const long = app.task('long', async () => {
      executions++;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return 'done';
    });
    // Two workers with free slots would take the message if its lease ran out.
    const a = await h.worker(app, { lease: '1s', concurrency: 2, pollTimeout: 50 });
    const b = await h.worker(h.sibling(app), { lease: '1s', concurrency: 2, pollTimeout: 50 });
    let startedOnB = 0;
    b.events.on('task:started', () => startedOnB++);
    const succeeded = once(a, 'task:succeeded');
    const result = await long.delay();
    expect(await result.get({ timeout: '20s' })).toBe('done');
    await succeeded;
    expect(executions).toBe(1);
    expect(startedOnB).toBe(0);
    // Renewed several times over the 2.5 s, each time for a full lease.
    expect(extend.mock.calls.length).toBeGreaterThanOrEqual(2);
    for (const [deliveries, ms] of extend.mock.calls) {
      expect(ms).toBe(1000);
      expect(deliveries.map((d) => d.id)).toEqual([result.id]);
    }
    await a.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('delivers a task again when its worker stops renewing (a crashed worker)', async () => {
    const app = h.app();
    const one = app.task('orphan', (ctx) => ctx.retries);
    const orphan = await one.delay();
    // A crashed worker: it reserved the message with a short lease, then vanished.
    const taken = await app.broker.reserve(['default'], { max: 1, leaseMs: 200 });
    expect(taken.map((d) => d.id)).toEqual([orphan.id]);
    expect(await counts(app)).toMatchObject({ reserved: 1 });
    const worker = h.idleWorker(app, { pollTimeout: 50 });
    const done = once(worker, 'task:succeeded');
    await worker.start();
    expect((await done).id).toBe(orphan.id);
    expect(await orphan.get({ timeout: '10s' })).toBe(0);
  });

  it('renews one batch for all running tasks', async () => {
    const app = h.app();
    const extend = vi.spyOn(app.broker, 'extendLease');
    const job = app.task('job', () => new Promise((resolve) => setTimeout(resolve, 700)));
    const worker = await h.worker(app, { lease: '1s', concurrency: 3 });
    const started = events(worker, 'task:started', 3);
    const done = events(worker, 'task:succeeded', 3);
    await Promise.all([job.delay(), job.delay(), job.delay()]);
    await started;
    await done;
    expect(extend.mock.calls.some(([deliveries]) => deliveries.length === 3)).toBe(true);
  });
});
