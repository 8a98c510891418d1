import { describe, expect, it } from 'vitest';
import { BOOKING_HEADER } from '../../src/flow/rate/booking-header.ts';
import { BROKERS_AND_PAIRS, counts, deadReasons, events, harness, once } from './harness.ts';

describe.each(BROKERS_AND_PAIRS)('rate limits on the %s broker', (kind) => {
  const h = harness(kind);

  it('defers each message once with its booked start; on its return it starts without booking again', async () => {
    const app = h.app();
    const booked: unknown[] = [];
    // 100 ms apart, beyond the gate's hold: each start after the first is booked.
    const limited = app.task('limited', { rateLimit: '10/s' }, async (ctx) => {
      booked.push(ctx.headers[BOOKING_HEADER]);
    });
    const worker = await h.worker(app, { concurrency: 4 });
    const deferred = events(worker, 'task:deferred', 5);
    const done = events(worker, 'task:succeeded', 6);
    await Promise.all(Array.from({ length: 6 }, () => limited.delay()));
    const deferrals = await deferred;
    await done;
    // One start at once, five booked 100 ms apart: each message was deferred exactly once.
    expect(new Set(deferrals.map((d) => d.id)).size).toBe(5);
    expect(deferrals.every((d) => d.reason.startsWith('rate limit: start booked in'))).toBe(true);
    const times = deferrals.map((d) => d.until).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(95);
    }
    expect(booked.filter((b) => b === undefined)).toHaveLength(1);
  });

  it('never clogs: unlimited tasks keep flowing past a flood of a 1/s task', async () => {
    const app = h.app();
    let limitedStarts = 0;
    const slow = app.task('flood', { rateLimit: '1/s' }, async () => {
      limitedStarts++;
    });
    const free = app.task('free', async () => undefined);
    const flood = 40;
    await Promise.all(Array.from({ length: flood }, () => slow.delay()));
    await Promise.all(Array.from({ length: 200 }, () => free.delay()));
    const worker = h.idleWorker(app, { concurrency: 4 });
    const deferred = events(worker, 'task:deferred', flood - 1);
    let freeDone = 0;
    const allFree = new Promise<void>((resolve) =>
      worker.events.on('task:succeeded', (e) => {
        if (e.task === 'free' && ++freeDone === 200) resolve();
      }),
    );
    const started = Date.now();
    await worker.start();
    await allFree;
    const elapsedS = (Date.now() - started) / 1000;
    // At most one start per second of the run, plus the first.
    expect(limitedStarts).toBeLessThanOrEqual(1 + Math.ceil(elapsedS));
    const deferrals = await deferred;
    expect(deferrals.every((d) => d.task === 'flood')).toBe(true);
    // Deferred messages wait in the broker, not in the worker's slots.
    const c = await counts(app);
    expect(c.reserved).toBeLessThanOrEqual(4);
    expect(c.delayed).toBeGreaterThanOrEqual(flood - limitedStarts - 4);
  });

  it('keeps one limit per key', async () => {
    const app = h.app();
    const order: string[] = [];
    const call = app.task(
      'call',
      { rateLimit: { rate: '1/s', key: (account: string) => account } },
      async (_ctx, account: string) => {
        order.push(account);
      },
    );
    const worker = await h.worker(app, { concurrency: 4 });
    const deferred = events(worker, 'task:deferred', 4);
    const started = events(worker, 'task:started', 2);
    for (const account of ['a', 'a', 'a', 'b', 'b', 'b']) await call.delay(account);
    await started;
    const d = await deferred;
    // One start per key at once; the other two of each key wait a second apiece.
    expect([...order].sort()).toEqual(['a', 'b']);
    expect(d).toHaveLength(4);
  });

  it('dead-letters a delivery whose key function throws or returns a non-string; the worker goes on', async () => {
    const app = h.app();
    const keyed = app.task(
      'keyed',
      {
        rateLimit: {
          rate: '5/s',
          key: (n: number) => {
            if (n === 1) throw new Error('no account');
            return (n === 2 ? 42 : 'ok') as string;
          },
        },
        retry: { max: 0 },
      },
      async (_ctx, n: number) => n,
    );
    const worker = await h.worker(app);
    const failed = events(worker, 'task:failed', 2);
    await keyed.delay(1);
    await keyed.delay(2);
    const reasons = (await failed).map((f) => f.reason).sort();
    expect(reasons).toEqual([
      'the rateLimit key function of task "keyed" returned a number (42), expected a string',
      'the rateLimit key function of task "keyed" threw: Error: no account',
    ]);
    const succeeded = once(worker, 'task:succeeded');
    await keyed.delay(3);
    expect((await succeeded).task).toBe('keyed');
    expect((await deadReasons(app)).sort()).toEqual(reasons);
  });

  it('follows a runtime change made through app.control while the worker runs', async () => {
    const app = h.app();
    const limited = app.task('changed', { rateLimit: '1/s' }, async () => undefined);
    const worker = await h.worker(app, { concurrency: 4 });
    let deferrals = 0;
    worker.events.on('task:deferred', () => deferrals++);
    // Another app on the same broker, as the CLI in another process would be.
    const producer = h.sibling(app);
    producer.task('changed', { rateLimit: '1/s' }, async () => undefined);
    await producer.control.rateLimit('changed', 'off');
    expect(await producer.control.rateLimits()).toEqual(new Map([['changed', 'off']]));
    const offRuns = events(worker, 'task:succeeded', 10);
    await Promise.all(Array.from({ length: 10 }, () => limited.delay()));
    await offRuns;
    expect(deferrals).toBe(0);
    await producer.control.rateLimit('changed', 'reset');
    const deferred = events(worker, 'task:deferred', 2);
    await Promise.all(Array.from({ length: 3 }, () => limited.delay()));
    expect(await deferred).toHaveLength(2);
  });
});
