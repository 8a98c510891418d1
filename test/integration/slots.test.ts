import { describe, expect, it } from 'vitest';
import { Reject } from '../../src/index.ts';
import { BROKERS_AND_PAIRS, counts, deadReasons, events, harness } from './harness.ts';

/** Start and end of each run, per key, in the order they happened (one process, one clock). */
function recorder() {
  const log: Array<{ key: string; kind: 'start' | 'end' }> = [];
  return {
    log,
    /** The most runs of one key that were running at once. */
    maxOverlap(key: string): number {
      let running = 0;
      let max = 0;
      for (const entry of log.filter((e) => e.key === key)) {
        running += entry.kind === 'start' ? 1 : -1;
        max = Math.max(max, running);
      }
      return max;
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BROKERS_AND_PAIRS)('locks and per-key concurrency on the %s broker', (kind) => {
  const h = harness(kind);

  it('a lock runs one task per key at a time across two workers; others defer', async () => {
    const app = h.app();
    const sibling = h.sibling(app);
    const runs = recorder();
    for (const on of [app, sibling]) {
      on.task('locked', { lock: { key: (key: string) => key } }, async (_ctx, key: string) => {
        runs.log.push({ key, kind: 'start' });
        await pause(5);
        runs.log.push({ key, kind: 'end' });
      });
    }
    const worker = await h.worker(app, { concurrency: 5 });
    const other = await h.worker(sibling, { concurrency: 5 });
    const reasons: string[] = [];
    for (const w of [worker, other]) w.events.on('task:deferred', (e) => reasons.push(e.reason));
    const keys = ['a', 'b'];
    const all = keys.flatMap((key) => Array.from({ length: 10 }, () => [key]));
    const results = await app.sendMany('locked', all, {});
    await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
    // 20 tasks on 2 keys and 10 slots: some must have found their lock taken.
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toMatch(/^task "locked": lock "[ab]" is taken$/);
    expect(runs.log.filter((e) => e.kind === 'end')).toHaveLength(20);
    for (const key of keys) expect(runs.maxOverlap(key)).toBe(1);
  });

  it('per-key concurrency admits up to its limit at once, and reaches it', async () => {
    const app = h.app();
    const runs = recorder();
    app.task(
      'limited',
      { concurrency: { key: (key: string) => key, limit: 2 } },
      async (_ctx, key: string) => {
        runs.log.push({ key, kind: 'start' });
        await pause(30);
        runs.log.push({ key, kind: 'end' });
      },
    );
    await h.worker(app, { concurrency: 8 });
    const results = await app.sendMany(
      'limited',
      ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'].map((key) => [key]),
      {},
    );
    await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
    expect(runs.maxOverlap('a')).toBe(2);
    expect(runs.maxOverlap('b')).toBe(2);
  });

  it('a lock is given back after a failure and after a retry, not kept until its ttl', async () => {
    const app = h.app();
    const order: string[] = [];
    app.task(
      'flaky',
      {
        lock: { key: (_step: string) => 'one', ttl: '1h' },
        retry: { max: 1, base: 10, jitter: false },
      },
      (ctx, step: string) => {
        order.push(`${step}#${ctx.retries}`);
        if (step === 'reject') throw new Reject('no');
        if (step === 'retry' && ctx.retries === 0) ctx.retry({ countdown: 10 });
        return step;
      },
    );
    const worker = await h.worker(app, { concurrency: 1 });
    await app.sendTask('flaky', ['reject']);
    await events(worker, 'task:failed', 1);
    const retried = await app.sendTask('flaky', ['retry']);
    expect(await retried.get({ timeout: 15_000 })).toBe('retry');
    const after = await app.sendTask('flaky', ['after']);
    expect(await after.get({ timeout: 15_000 })).toBe('after');
    expect(order).toEqual(['reject#0', 'retry#0', 'retry#1', 'after#0']);
  });

  it('a key function that throws or returns no string dead-letters that task; the worker goes on', async () => {
    const app = h.app();
    app.task(
      'keyed',
      {
        lock: {
          key: (user: unknown) => {
            if (user === 'boom') throw new TypeError('no user');
            return user as string;
          },
        },
      },
      (_ctx, user: unknown) => user,
    );
    const worker = await h.worker(app);
    const dead = events(worker, 'message:dead-lettered', 2);
    await app.sendTask('keyed', ['boom']);
    await app.sendTask('keyed', [42]);
    await dead;
    const fine = await app.sendTask('keyed', ['ann']);
    expect(await fine.get({ timeout: 15_000 })).toBe('ann');
    expect((await deadReasons(app)).sort()).toEqual([
      'the lock.key function of task "keyed" returned number 42; a key must be a non-empty string',
      'the lock.key function of task "keyed" threw TypeError: no user',
    ]);
    expect((await counts(app)).dead).toBe(2);
  });
});
