import { describe, expect, it } from 'vitest';
import { until } from '../e2e/e2e-env.ts';
import { BROKERS, events, gate, harness } from './harness.ts';

describe.each(BROKERS)('fair dispatch on the %s broker', (kind) => {
  const h = harness(kind);

  it('a busy worker holds no message it has no slot for: short tasks never wait behind long ones', async () => {
    const app = h.app({ defaultQueue: 'fair' });
    const release = gate();
    const ran = new Map<string, string>();
    const long = app.task('fair.long', async (ctx) => {
      await release.promise;
      return ctx.id;
    });
    const short = app.task('fair.short', async () => 'quick');
    const busy = h.idleWorker(app, { concurrency: 2, name: 'busy' });
    const busyStarted = events(busy, 'task:started', 2);
    await busy.start();
    await long.delay();
    await long.delay();
    const shorts = await short.delayMany(Array.from({ length: 40 }, () => [] as []));
    await busyStarted;
    // Both of its slots hold a long task, and it reserved nothing more.
    expect(await app.broker.stats('fair')).toMatchObject({ reserved: 2, ready: 40 });

    const free = h.idleWorker(app, { concurrency: 2, name: 'free' });
    free.events.on('task:succeeded', (e) => ran.set(e.id, 'free'));
    const shortsDone = events(free, 'task:succeeded', 40);
    await free.start();
    await shortsDone;
    // Every short task ran on the free worker while the long ones were still running.
    expect(shorts.every((r) => ran.get(r.id) === 'free')).toBe(true);
    expect(busy.stats.succeeded).toBe(0);

    const longsDone = events(busy, 'task:succeeded', 2);
    release.open();
    await longsDone;
    // Acks are batched after the handler: wait for them rather than race them.
    await until(async () => (await app.broker.stats('fair')).reserved === 0, 'the last acks');
    expect(await app.broker.stats('fair')).toMatchObject({ reserved: 0, ready: 0, dead: 0 });
  });
});
