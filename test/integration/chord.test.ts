import { describe, expect, it } from 'vitest';
import { type ChordFailureInfo, chain, chord, group } from '../../src/index.ts';
import { BROKERS_WITH_REDIS, events, harness } from './harness.ts';

describe.each(BROKERS_WITH_REDIS)('chords on the %s broker', (kind) => {
  const h = harness(kind);

  it('runs the callback exactly once, with 1,000 members values in order, under two workers', async () => {
    const app = h.app();
    const other = h.sibling(app);
    const bodies: number[][] = [];
    const register = (on: typeof app) => {
      const square = on.task('square', async (_ctx, n: number) => {
        // Members finish out of order: later ones yield less.
        if (n % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
        return n * n;
      });
      const collect = on.task('collect', (_ctx, values: number[]) => {
        bodies.push(values);
        return values.length;
      });
      return { square, collect };
    };
    const { square, collect } = register(app);
    register(other);
    const first = await h.worker(app, { concurrency: 8 });
    const second = await h.worker(other, { concurrency: 8 });
    const members = Array.from({ length: 1000 }, (_, n) => square.s(n));
    const result = await chord(members, collect.s()).applyAsync();
    expect(await result.get({ timeout: '120s' })).toBe(1000);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toEqual(Array.from({ length: 1000 }, (_, n) => n * n));
    // Both workers took part, so the join was contended across them.
    expect(first.stats.succeeded).toBeGreaterThan(0);
    expect(second.stats.succeeded).toBeGreaterThan(0);
  });

  it('a failed member sends the error callback once, naming the member; the body never runs', async () => {
    const app = h.app();
    const ran: string[] = [];
    const failures: ChordFailureInfo[] = [];
    const check = app.task('check', { retry: { max: 0 } }, (_ctx, n: number) => {
      if (n === 2 || n === 4) throw new RangeError(`bad member ${n}`);
      return n;
    });
    const body = app.task('body', (_ctx, values: number[]) => {
      ran.push(`body ${values}`);
    });
    const onFailure = app.task('on-failure', (_ctx, info: ChordFailureInfo) => {
      failures.push(info);
    });
    const worker = await h.worker(app, { concurrency: 1 });
    const settled = events(worker, 'task:failed', 2);
    // Members 1 and 3, then the error callback; the body would be a fourth.
    const ended = events(worker, 'task:succeeded', 3);
    await chord([check.s(1), check.s(2), check.s(3), check.s(4)], body.s())
      .onError(onFailure.s())
      .applyAsync();
    await settled;
    await ended;
    await worker.stop();
    // Nothing ran or waits: a wrongly sent body would be in one or the other.
    expect(ran).toEqual([]);
    expect((await app.broker.stats('default')).ready).toBe(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      task: 'check',
      index: 1,
      error: { name: 'RangeError', message: 'bad member 2' },
    });
  });

  it('a member that expires before it starts fails the chord, so it never waits forever', async () => {
    const app = h.app();
    const failures: ChordFailureInfo[] = [];
    const slow = app.task('slow', (_ctx, n: number) => n);
    const body = app.task('body', (_ctx, values: number[]) => values);
    const onFailure = app.task('on-failure', (_ctx, info: ChordFailureInfo) => {
      failures.push(info);
    });
    const past = new Date(Date.now() - 1000);
    const result = await chord([slow.s(1), slow.s(2).set({ expires: past })], body.s())
      .onError(onFailure.s())
      .applyAsync();
    const worker = await h.worker(app);
    await events(worker, 'task:succeeded', 2);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ index: 1, error: { name: 'TaskExpired' } });
    expect(await result.state()).toBe('PENDING');
  });

  it('a group in a chain is a chord: the next step gets every value, then the chain goes on', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const total = app.task('total', (_ctx, values: number[]) => values.reduce((a, b) => a + b, 0));
    const half = app.task('half', (_ctx, n: number) => n / 2);
    await h.worker(app, { concurrency: 4 });
    const result = await chain(
      add.s(1, 1),
      group([add.s(10), add.s(20), add.s(30)]),
      total.s(),
      half.s(),
    ).applyAsync();
    // add(1,1)=2; members 12, 22, 32; total 66; half 33.
    expect(await result.get({ timeout: '30s' })).toBe(33);
  });

  it('members may be chains; an empty chord sends its body at once with []', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const list = app.task('list', (_ctx, values: number[]) => values);
    await h.worker(app, { concurrency: 4 });
    const chained = await chord(
      [chain(add.s(1, 1), add.s(100)), chain(add.s(2, 2), add.s(200))],
      list.s(),
    ).applyAsync();
    expect(await chained.get({ timeout: '30s' })).toEqual([102, 204]);
    const empty = await chord([], list.s()).applyAsync();
    expect(await empty.get({ timeout: '30s' })).toEqual([]);
  });
});
