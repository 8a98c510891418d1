import { describe, expect, it } from 'vitest';
import { BROKERS_WITH_REDIS, counts, gate, harness, once } from './harness.ts';

describe.each(BROKERS_WITH_REDIS)('unique tasks on the %s broker', (kind) => {
  const h = harness(kind);

  it("while 'queued': a duplicate joins the queued task; once it starts a new one is queued", async () => {
    const app = h.app();
    const proceed = gate();
    const seen: string[] = [];
    const report = app.task(
      'report',
      { unique: { key: (day: string) => day, ttl: '1h', while: 'queued' } },
      async (ctx, day: string) => {
        seen.push(`${day}:${ctx.id}`);
        if (seen.length === 1) await proceed.promise;
        return `report ${day} by ${ctx.id}`;
      },
    );
    const first = await report.delay('monday');
    const duplicate = await report.delay('monday');
    const other = await report.delay('tuesday');
    expect(duplicate.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(await counts(app)).toEqual({ ready: 2, reserved: 0, delayed: 0, dead: 0 });

    const worker = await h.worker(app, { concurrency: 1 });
    await once(worker, 'task:started');
    // The first task is running: its claim went at the start, so this send is a new task.
    const second = await report.delay('monday');
    expect(second.id).not.toBe(first.id);
    expect(await report.delay('monday')).toMatchObject({ id: second.id });
    proceed.open();
    expect(await duplicate.get({ timeout: '10s' })).toBe(`report monday by ${first.id}`);
    expect(await second.get({ timeout: '10s' })).toBe(`report monday by ${second.id}`);
    expect(await other.get({ timeout: '10s' })).toBe(`report tuesday by ${other.id}`);
    expect(seen).toEqual([`monday:${first.id}`, `tuesday:${other.id}`, `monday:${second.id}`]);
  });

  it("while 'queued-or-running': duplicates join the task until it has ended", async () => {
    const app = h.app();
    const proceed = gate();
    let runs = 0;
    const sync = app.task(
      'sync',
      { unique: { key: (account: number) => `account-${account}`, ttl: '1h' } },
      async (_ctx, account: number) => {
        runs++;
        await proceed.promise;
        return account * 10;
      },
    );
    const worker = await h.worker(app);
    const started = once(worker, 'task:started');
    const first = await sync.delay(7);
    await started;
    const whileRunning = await sync.delay(7);
    expect(whileRunning.id).toBe(first.id);
    proceed.open();
    expect(await whileRunning.get({ timeout: '10s' })).toBe(70);
    await worker.stop(); // returns once the attempt, its claim's release included, is done
    const after = await sync.delay(7);
    expect(after.id).not.toBe(first.id);
    expect(runs).toBe(1);
    expect(await counts(app)).toEqual({ ready: 1, reserved: 0, delayed: 0, dead: 0 });
  });

  it("while 'queued-or-running': a retrying task keeps its key through the retry", async () => {
    const app = h.app();
    const proceed = gate();
    const attempts: number[] = [];
    const flaky = app.task(
      'flaky',
      { unique: { key: (name: string) => name, ttl: '1h' }, retry: { max: 2, base: 50 } },
      async (ctx, name: string) => {
        attempts.push(ctx.retries);
        if (ctx.retries === 0) throw new Error('first attempt fails');
        await proceed.promise;
        return `${name} on attempt ${ctx.retries}`;
      },
    );
    const worker = await h.worker(app);
    const retried = once(worker, 'task:retried');
    const first = await flaky.delay('x');
    await retried;
    const duringRetry = await flaky.delay('x');
    expect(duringRetry.id).toBe(first.id);
    const { ready, reserved, delayed } = await counts(app);
    expect(ready + reserved + delayed).toBe(1);
    proceed.open();
    expect(await duringRetry.get({ timeout: '10s' })).toBe('x on attempt 1');
    await worker.stop();
    expect(attempts).toEqual([0, 1]);
    expect((await flaky.delay('x')).id).not.toBe(first.id);
  });

  it("while 'queued-or-running': a task that failed for good frees its key", async () => {
    const app = h.app();
    const doomed = app.task(
      'doomed',
      { unique: { key: () => 'only', ttl: '1h' }, retry: { max: 0 } },
      () => {
        throw new Error('broken');
      },
    );
    const worker = await h.worker(app);
    const dead = once(worker, 'message:dead-lettered');
    const first = await doomed.delay();
    await dead;
    await worker.stop();
    expect((await doomed.delay()).id).not.toBe(first.id);
    expect(await counts(app)).toEqual({ ready: 1, reserved: 0, delayed: 0, dead: 1 });
  });

  it('delayMany claims each key once; repeats in the batch resolve to the first', async () => {
    const app = h.app();
    const square = app.task(
      'square',
      { unique: { key: (n: number) => String(n), ttl: '1h' } },
      (_ctx, n: number) => n * n,
    );
    const earlier = await square.delay(3);
    const results = await square.delayMany([[1], [2], [1], [3], [2]]);
    const ids = results.map((r) => r.id);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[4]).toBe(ids[1]);
    expect(ids[3]).toBe(earlier.id);
    expect(new Set(ids).size).toBe(3);
    expect(await counts(app)).toEqual({ ready: 3, reserved: 0, delayed: 0, dead: 0 });
    await h.worker(app);
    expect(await Promise.all(results.map((r) => r.get({ timeout: '10s' })))).toEqual([
      1, 4, 1, 9, 4,
    ]);
  });

  it('a countdown task holds its key while it waits', async () => {
    const app = h.app();
    const later = app.task(
      'later',
      { unique: { key: () => 'k', ttl: '1h', while: 'queued' } },
      () => 'done',
    );
    const first = await later.applyAsync([], { countdown: '1h' });
    expect((await later.applyAsync([], { countdown: '1h' })).id).toBe(first.id);
    expect((await later.delay()).id).toBe(first.id);
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 1, dead: 0 });
  });
});
