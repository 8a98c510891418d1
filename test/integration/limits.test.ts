import { describe, expect, it } from 'vitest';
import { SoftTimeLimitExceeded, TaskFailed, TimeLimitExceeded } from '../../src/index.ts';
import { BROKERS, counts, deadReasons, events, gate, harness, once } from './harness.ts';

describe.each(BROKERS)('limits on the %s broker', (kind) => {
  const h = harness(kind);

  it('aborts ctx.signal at the soft time limit; the handler may catch it and return', async () => {
    const app = h.app();
    const careful = app.task('careful', { softTimeLimit: 50 }, async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      const reason = ctx.signal.reason;
      if (!(reason instanceof SoftTimeLimitExceeded)) throw new Error('unexpected abort reason');
      return `partial result (${reason.message})`;
    });
    await h.worker(app);
    const result = await careful.delay();
    expect(await result.get({ timeout: '10s' })).toBe(
      'partial result (soft time limit of 50 ms exceeded)',
    );
  });

  it('fails at the hard time limit and frees the slot while the handler still hangs', async () => {
    const app = h.app();
    const release = gate();
    let hangFinished = false;
    let hangSignal: AbortSignal | undefined;
    const hang = app.task('hang', { timeLimit: 50, retry: { max: 0 } }, async (ctx) => {
      hangSignal = ctx.signal;
      await release.promise; // ignores its signal
      hangFinished = true;
    });
    const quick = app.task('quick', () => 'quick done');
    const worker = await h.worker(app, { concurrency: 1 });
    const failed = once(worker, 'task:failed');
    const h1 = await hang.delay();
    const q1 = await quick.delay();
    expect(await q1.get({ timeout: '10s' })).toBe('quick done');
    expect(hangFinished).toBe(false);

    const failure = await failed;
    expect(failure.error).toBeInstanceOf(TimeLimitExceeded);
    expect(failure.reason).toBe(
      'failed, retries disabled: TimeLimitExceeded: time limit of 50 ms exceeded',
    );
    const error = await h1.get({ timeout: '10s' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailed);
    expect((error as TaskFailed).remote).toMatchObject({
      name: 'TimeLimitExceeded',
      code: 'TIME_LIMIT',
    });
    expect(hangSignal?.aborted).toBe(true);
    expect(hangSignal?.reason).toBeInstanceOf(TimeLimitExceeded);
    expect(await deadReasons(app)).toEqual([failure.reason]);
    release.open();
  });

  it('does not run a task whose expiry has passed, and stores EXPIRED', async () => {
    const app = h.app();
    let runs = 0;
    const stale = app.task('stale', () => {
      runs++;
    });
    const fresh = app.task('fresh', () => 'fresh');
    const past = await stale.applyAsync([], { expires: new Date(Date.now() - 1000) });
    const worker = h.idleWorker(app, { concurrency: 1 });
    const expired = once(worker, 'task:expired');
    await worker.start();
    expect(await expired).toMatchObject({ id: past.id, task: 'stale', queue: 'default' });
    const error = await past.get({ timeout: '10s' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailed);
    expect((error as TaskFailed).message).toBe(`task stale[${past.id}] ended in EXPIRED: EXPIRED`);
    expect(await (await fresh.delay()).get({ timeout: '10s' })).toBe('fresh');
    expect(runs).toBe(0);
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('expires a task whose countdown ends after its expiry', async () => {
    const app = h.app();
    let runs = 0;
    const late = app.task('late', () => {
      runs++;
    });
    const worker = await h.worker(app);
    const expired = once(worker, 'task:expired');
    const result = await late.applyAsync([], { countdown: 150, expires: 50 });
    expect((await expired).id).toBe(result.id);
    expect(await result.state()).toBe('EXPIRED');
    expect(runs).toBe(0);
  });

  it("applies the task's default expiry", async () => {
    const app = h.app();
    const late = app.task('late', { expires: 50 }, () => 'ran');
    const worker = await h.worker(app);
    const expired = once(worker, 'task:expired');
    const result = await late.applyAsync([], { countdown: 150 });
    expect((await expired).id).toBe(result.id);
    expect(await result.state()).toBe('EXPIRED');
    // A call that gives its own expiry overrides the default.
    const kept = await late.applyAsync([], { countdown: 100, expires: '1h' });
    expect(await kept.get({ timeout: '10s' })).toBe('ran');
  });

  it('applies the taskDefaults of the app, and a task overrides them', async () => {
    const app = h.app({
      taskDefaults: {
        retry: { max: 1, base: 5, jitter: false },
        softTimeLimit: 30,
        trackStarted: true,
      },
    });
    const attempts = { inherits: 0, overrides: 0 };
    const inherits = app.task('inherits', (ctx) => {
      attempts.inherits++;
      throw new Error(`max ${ctx.maxRetries}`);
    });
    const overrides = app.task('overrides', { retry: { max: 0 } }, (ctx) => {
      attempts.overrides++;
      throw new Error(`max ${ctx.maxRetries}`);
    });
    const patient = app.task('patient', async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      return String(ctx.signal.reason);
    });
    const relaxed = app.task('relaxed', { softTimeLimit: '1h' }, async (ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return ctx.signal.aborted;
    });
    const worker = await h.worker(app);
    const dead = events(worker, 'message:dead-lettered', 2);
    const [i, o, p, r] = [
      await inherits.delay(),
      await overrides.delay(),
      await patient.delay(),
      await relaxed.delay(),
    ];
    expect((await dead).map((d) => d.reason).sort()).toEqual([
      'failed, retries disabled: Error: max 0',
      'retries exhausted (1 of 1): Error: max 1',
    ]);
    expect(attempts).toEqual({ inherits: 2, overrides: 1 });
    expect(await i.state()).toBe('FAILURE');
    expect(await o.state()).toBe('FAILURE');
    expect(await p.get({ timeout: '10s' })).toBe(
      'SoftTimeLimitExceeded: soft time limit of 30 ms exceeded',
    );
    expect(await r.get({ timeout: '10s' })).toBe(false);
  });
});
