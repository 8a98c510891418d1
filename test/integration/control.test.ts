import { describe, expect, it } from 'vitest';
import { TaskRevoked, UnknownDestination } from '../../src/index.ts';
import { BROKERS_AND_PAIRS, gate, harness, once } from './harness.ts';

describe.each(BROKERS_AND_PAIRS)('inspect and control on the %s broker', (kind) => {
  const h = harness(kind);

  it('inspect ping, active, reserved, registered, active-queues and stats answer from two workers', async () => {
    const app = h.app();
    const hold = gate();
    const slow = app.task('slow', async (_ctx, label: string) => {
      await hold.promise;
      return label;
    });
    app.task('other', { rateLimit: '5/s' }, () => 1);
    const w1 = await h.worker(app, { name: 'w1@test', concurrency: 1 });
    // w2 consumes another queue, so the task below runs on w1.
    await h.worker(h.sibling(app), { name: 'w2@test', queues: ['extra', 'more'] });
    const pings = await app.control.broadcast('ping', {}, { timeoutMs: 5000, limit: 2 });
    expect(pings.map((r) => [r.worker, r.ok && r.data])).toEqual([
      ['w1@test', 'pong'],
      ['w2@test', 'pong'],
    ]);
    const started = once(w1, 'task:started');
    const sent = await slow.delay('first');
    await started;
    const active = await app.control.broadcast('active', {}, { destination: ['w1@test'] });
    expect(active).toHaveLength(1);
    const [running] = active[0]?.ok ? (active[0].data as Array<Record<string, unknown>>) : [];
    expect(running).toMatchObject({ id: sent.id, task: 'slow', args: "[ 'first' ]" });
    const registered = await app.control.broadcast('registered', {}, { destination: ['w1@test'] });
    const names = (registered[0]?.ok ? registered[0].data : []) as Array<{ name: string }>;
    expect(names.map((t) => t.name)).toEqual(expect.arrayContaining(['slow', 'other']));
    expect(names.find((t) => t.name === 'other')).toMatchObject({ rateLimit: '5/s' });
    const queues = await app.control.broadcast('active-queues', {}, { timeoutMs: 5000, limit: 2 });
    expect(queues.map((r) => r.ok && r.data)).toEqual([['default'], ['extra', 'more']]);
    const stats = await app.control.broadcast('stats', {}, { destination: ['w1@test'] });
    expect(stats[0]?.ok && stats[0].data).toMatchObject({
      name: 'w1@test',
      pid: process.pid,
      concurrency: 1,
      active: 1,
      totals: { started: 1, succeeded: 0 },
    });
    hold.open();
    expect(await sent.get({ timeout: '10s' })).toBe('first');
  });

  it('inspect scheduled lists the delayed messages of the worker’s queues', async () => {
    const app = h.app();
    const later = app.task('later', (_ctx, n: number) => n);
    await h.worker(app, { name: 'w1@test', queues: ['default'] });
    const eta = new Date(Date.now() + 60_000);
    const result = await later.applyAsync([7], { eta });
    await later.applyAsync([8], { eta, queue: 'elsewhere' });
    const [reply] = await app.control.broadcast('scheduled');
    expect(reply?.ok && reply.data).toEqual([
      {
        id: result.id,
        task: 'later',
        queue: 'default',
        eta: eta.toISOString(),
        retries: 0,
        args: '[ 7 ]',
      },
    ]);
  });

  it('a destination no live worker has is an error naming the live ones', async () => {
    const app = h.app();
    app.task('t', () => 1);
    await h.worker(app, { name: 'w1@test' });
    await expect(app.control.broadcast('ping', {}, { destination: ['nope@test'] })).rejects.toThrow(
      new UnknownDestination(['nope@test'], ['w1@test']),
    );
    await expect(app.control.broadcast('ping', {}, { destination: ['nope@test'] })).rejects.toThrow(
      'unknown destination "nope@test": no live worker has that name (live workers: w1@test)',
    );
  });

  it('with no live worker, inspect says no reply came within 1s', async () => {
    const app = h.app();
    await expect(app.control.broadcast('ping')).rejects.toThrow(
      'no reply from any worker within 1s',
    );
  });

  it('a revoked task never starts, and the tasks around it run', async () => {
    const app = h.app();
    const ran: string[] = [];
    const hold = gate();
    const record = app.task('record', async (_ctx, label: string) => {
      if (label === 'blocker') await hold.promise;
      ran.push(label);
      return label;
    });
    const worker = await h.worker(app, { concurrency: 1 });
    const blockerStarted = once(worker, 'task:started');
    const blocker = await record.delay('blocker');
    await blockerStarted;
    const doomed = await record.delay('doomed');
    const after = await record.delay('after');
    const replies = await app.control.revoke([doomed.id]);
    expect(replies.map((r) => r.worker)).toEqual([worker.name]);
    const revoked = once(worker, 'task:revoked');
    hold.open();
    expect(await revoked).toMatchObject({ id: doomed.id, task: 'record' });
    expect(await after.get({ timeout: '10s' })).toBe('after');
    expect(await blocker.get({ timeout: '10s' })).toBe('blocker');
    expect(ran).toEqual(['blocker', 'after']);
    expect(await doomed.state()).toBe('REVOKED');
  });

  it('a worker that starts after the revoke still skips the task', async () => {
    const app = h.app();
    const ran: string[] = [];
    const record = app.task('record', (_ctx, label: string) => {
      ran.push(label);
      return label;
    });
    const doomed = await record.delay('doomed');
    await app.control.revoke([doomed.id], { timeoutMs: 100 });
    const after = await record.delay('after');
    await h.worker(app, { concurrency: 1 });
    expect(await after.get({ timeout: '10s' })).toBe('after');
    expect(ran).toEqual(['after']);
    expect(await doomed.state()).toBe('REVOKED');
  });

  it('revoke --terminate stops a running task: its signal aborts and its state is REVOKED', async () => {
    const app = h.app();
    const started = gate();
    let reason: unknown;
    const wait = app.task('wait', (ctx) => {
      started.open();
      return new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          reason = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      });
    });
    const next = app.task('next', () => 'ran');
    const worker = await h.worker(app, { concurrency: 1 });
    const result = await wait.delay();
    await started.promise;
    const revoked = once(worker, 'task:revoked');
    const replies = await app.control.revoke([result.id], { terminate: true });
    expect(replies[0]?.ok && replies[0].data).toEqual({ revoked: 1, terminated: [result.id] });
    await revoked;
    expect(reason).toBeInstanceOf(TaskRevoked);
    expect(await result.state()).toBe('REVOKED');
    expect(await (await next.delay()).get({ timeout: '10s' })).toBe('ran');
    expect(await app.broker.listDeadLetters()).toEqual([]);
  });

  it('time-limit changes a task’s hard limit on live workers', async () => {
    const app = h.app();
    const sleepy = app.task('sleepy', { retry: { max: 0 } }, async (ctx) => {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 30_000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      return 'finished';
    });
    await h.worker(app);
    const [reply] = await app.control.broadcast('time-limit', {
      task: 'sleepy',
      soft: null,
      hard: 0.2,
    });
    expect(reply?.ok && reply.data).toEqual({
      task: 'sleepy',
      softTimeLimitMs: null,
      timeLimitMs: 200,
    });
    await expect((await sleepy.delay()).get({ timeout: '10s' })).rejects.toThrow(
      'TimeLimitExceeded',
    );
    const [bad] = await app.control.broadcast('time-limit', { task: 'missing', hard: 1 });
    expect(bad).toMatchObject({
      ok: false,
      error: 'unknown task "missing": it is not registered on this worker',
    });
  });

  it('pool-grow and pool-shrink resize the pool; add-consumer and cancel-consumer change the queues', async () => {
    const app = h.app();
    const where = app.task('where', (ctx) => ctx.queue);
    const worker = await h.worker(app, { concurrency: 2, queues: ['a'] });
    await app.control.broadcast('pool-grow', { n: 3 });
    expect(worker.concurrency).toBe(5);
    await app.control.broadcast('pool-shrink', { n: 4 });
    expect(worker.concurrency).toBe(1);
    const [tooSmall] = await app.control.broadcast('pool-shrink', { n: 1 });
    expect(tooSmall).toMatchObject({
      ok: false,
      error: 'cannot shrink the pool below 1 slot (it has 1)',
    });
    const onB = await where.applyAsync([], { queue: 'b' });
    const [added] = await app.control.broadcast('add-consumer', { queue: 'b' });
    expect(added?.ok && added.data).toEqual({ queues: ['a', 'b'], changed: true });
    expect(await onB.get({ timeout: '10s' })).toBe('b');
    await app.control.broadcast('cancel-consumer', { queue: 'a' });
    expect(worker.queues).toEqual(['b']);
    const [last] = await app.control.broadcast('cancel-consumer', { queue: 'b' });
    expect(last).toMatchObject({
      ok: false,
      error: '"b" is the worker\'s only queue; stop the worker instead',
    });
  });

  it('shutdown stops the worker gracefully', async () => {
    const app = h.app();
    app.task('t', () => 1);
    const worker = await h.worker(app);
    const offline = once(worker, 'worker:offline');
    const [reply] = await app.control.broadcast('shutdown');
    expect(reply?.ok && reply.data).toBe('shutting down');
    await offline;
    expect(await app.control.workers()).toEqual([]);
  });
});
