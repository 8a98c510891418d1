import { describe, expect, it } from 'vitest';
import {
  chain,
  createApp,
  GroupResult,
  group,
  MemoryBroker,
  TaskFailed,
  type TaskFailureInfo,
  UnknownTask,
} from '../../src/index.ts';
import { BROKERS_WITH_REDIS, deadReasons, events, harness } from './harness.ts';

describe.each(BROKERS_WITH_REDIS)('chains, groups and callbacks on the %s broker', (kind) => {
  const h = harness(kind);

  it('chain: each step receives the value of the one before, in order', async () => {
    const app = h.app();
    const order: string[] = [];
    const add = app.task('add', (_ctx, a: number, b: number) => {
      order.push(`add(${a},${b})`);
      return a + b;
    });
    const mul = app.task('mul', (_ctx, a: number, b: number) => {
      order.push(`mul(${a},${b})`);
      return a * b;
    });
    await h.worker(app, { concurrency: 4 });
    const result = await chain(add.s(1, 2), add.s(10), mul.s(2)).applyAsync();
    expect(await result.get({ timeout: '10s' })).toBe(26);
    expect(order).toEqual(['add(1,2)', 'add(3,10)', 'mul(13,2)']);
  });

  it('chain: si() ignores the previous value; a step set to another queue runs there', async () => {
    const app = h.app();
    const seen: Array<[string, unknown[]]> = [];
    const record = app.task('record', (ctx, ...args: unknown[]) => {
      seen.push([ctx.queue, args]);
      return args.length;
    });
    await h.worker(app, { queues: ['default', 'other'] });
    const result = await chain(
      record.s('a'),
      record.si('b'),
      record.s().set({ queue: 'other' }),
    ).applyAsync();
    expect(await result.get({ timeout: '10s' })).toBe(1);
    expect(seen).toEqual([
      ['default', ['a']],
      ['default', ['b']],
      ['other', [1]],
    ]);
  });

  it('chain: a message carries only the steps that remain, so 1,000 steps run in shrinking messages', async () => {
    const app = h.app();
    const remaining: number[] = [];
    app.use(async (execution, next) => {
      remaining.push((execution.envelope.chain ?? []).length);
      await next();
    });
    const inc = app.task('inc', (_ctx, n: number) => n + 1);
    await h.worker(app);
    const steps = [inc.s(0), ...Array.from({ length: 999 }, () => inc.s())];
    const result = await chain(...(steps as [(typeof steps)[0], ...typeof steps])).applyAsync();
    expect(await result.get({ timeout: '60s' })).toBe(1000);
    expect(remaining).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
  });

  it('chain: a failure stops the chain and sends its error callback with the failure', async () => {
    const app = h.app();
    const ran: string[] = [];
    const failures: TaskFailureInfo[] = [];
    const step = app.task('step', { retry: { max: 0 } }, (_ctx, name: string) => {
      ran.push(name);
      if (name === 'b') throw new TypeError('b broke');
      return name;
    });
    const onFailure = app.task('on-failure', (_ctx, info: TaskFailureInfo, label: string) => {
      failures.push(info);
      return label;
    });
    const worker = await h.worker(app);
    const failed = events(worker, 'task:succeeded', 2);
    const result = await chain(step.si('a'), step.si('b'), step.si('c'))
      .onError(onFailure.s('chain failed'))
      .applyAsync();
    await failed;
    expect(ran).toEqual(['a', 'b']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      task: 'step',
      error: { name: 'TypeError', message: 'b broke' },
    });
    expect(await result.state()).toBe('PENDING');
  });

  it('group: runs members in parallel and gives their values in member order', async () => {
    const app = h.app();
    const square = app.task('square', async (_ctx, n: number) => {
      await new Promise((resolve) => setTimeout(resolve, (10 - n) * 2));
      return n * n;
    });
    await h.worker(app, { concurrency: 10 });
    const result = await group(Array.from({ length: 10 }, (_, n) => square.s(n))).applyAsync();
    expect(result).toBeInstanceOf(GroupResult);
    expect(await result.get({ timeout: '10s' })).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    expect(await result.completed()).toBe(10);
    expect(await result.failed()).toBe(false);
    expect(await result.successful()).toBe(true);
  });

  it('group: failed() and completed() report a failing member; get() raises its failure', async () => {
    const app = h.app();
    const check = app.task('check', { retry: { max: 0 } }, (_ctx, n: number) => {
      if (n === 2) throw new RangeError('two is not allowed');
      return n;
    });
    const worker = await h.worker(app);
    const done = events(worker, 'task:failed', 1);
    const result = await group([check.s(1), check.s(2), check.s(3)]).applyAsync();
    await done;
    await expect(result.get({ timeout: '10s' })).rejects.toThrow(TaskFailed);
    expect(await result.failed()).toBe(true);
    await expect.poll(() => result.completed()).toBe(2);
  });

  it('link and linkError on a single call', async () => {
    const app = h.app();
    const got: unknown[] = [];
    const divide = app.task('divide', { retry: { max: 0 } }, (_ctx, a: number, b: number) => {
      if (b === 0) throw new RangeError('division by zero');
      return a / b;
    });
    const collect = app.task('collect', (_ctx, value: unknown) => {
      got.push(value);
    });
    const worker = await h.worker(app);
    const collected = events(worker, 'task:succeeded', 3);
    await divide.applyAsync([10, 2], { link: collect.s(), linkError: collect.s() });
    await divide.applyAsync([1, 0], { link: collect.s(), linkError: collect.s() });
    await collected;
    expect(got).toContainEqual(5);
    const failure = got.find((value) => typeof value === 'object') as TaskFailureInfo;
    expect(failure).toMatchObject({ task: 'divide', error: { message: 'division by zero' } });
    expect(got).toHaveLength(2);
  });

  it('map, starmap and chunks run many calls in few messages, values in order', async () => {
    const app = h.app();
    const double = app.task('double', (_ctx, n: number) => n * 2);
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await h.worker(app, { concurrency: 4 });
    expect(await (await double.map([1, 2, 3]).delay()).get({ timeout: '10s' })).toEqual([2, 4, 6]);
    const pairs: Array<[number, number]> = [
      [1, 1],
      [2, 2],
      [3, 3],
    ];
    expect(await (await add.starmap(pairs).delay()).get({ timeout: '10s' })).toEqual([2, 4, 6]);
    const many = Array.from({ length: 25 }, (_, i): [number, number] => [i, 1000]);
    const chunks = add.chunks(many, 10);
    expect(chunks.members).toHaveLength(3);
    const values = await (await chunks.applyAsync()).get({ timeout: '10s' });
    expect(values.map((chunk) => chunk.length)).toEqual([10, 10, 5]);
    expect(values.flat()).toEqual(many.map(([a, b]) => a + b));
  });

  it('a chain step naming an unregistered task fails at delay() when the app knows its tasks', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const send = () => chain(add.s(1, 2), app.signature('tasks.missing')).applyAsync();
    await expect(send()).rejects.toThrow(UnknownTask);
    await expect(send()).rejects.toThrow(
      'unknown task "tasks.missing": it is not registered on this app',
    );
    expect((await app.broker.stats('default')).ready).toBe(0);
  });

  it('a producer without the task sends it; the worker dead-letters it with the reason, others run', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const worker = await h.worker(app);
    const succeeded = events(worker, 'task:succeeded', 2);
    // The producer registers no tasks of its own: it cannot check names, so the chain goes out.
    const producerOnly = createApp(
      { broker: app.broker, backend: app.backend, logLevel: 'silent' },
      {},
    );
    await chain(
      producerOnly.signature('add', [1, 2]),
      producerOnly.signature('tasks.missing'),
    ).applyAsync();
    await (await add.delay(5, 5)).get({ timeout: '10s' });
    await succeeded;
    await expect
      .poll(() => deadReasons(app))
      .toEqual(['unknown task "tasks.missing": it is not registered on this worker']);
  });

  it('a chord on an app without a result backend is an error at the call', async () => {
    const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' }, {});
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const sum = app.task('sum', (_ctx, values: number[]) => values.reduce((a, b) => a + b, 0));
    const send = () => chain(group([add.s(1, 1), add.s(2, 2)]), sum.s()).applyAsync();
    await expect(send()).rejects.toThrow(
      'a chord needs a result backend to count its members: pass `backend` to createApp',
    );
    expect((await app.broker.stats('default')).ready).toBe(0);
    await app.close();
  });

  it('workflows in eager mode are a clear error', async () => {
    const app = createApp({ broker: new MemoryBroker(), eager: true, logLevel: 'silent' }, {});
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await expect(chain(add.s(1, 2), add.s(3)).applyAsync()).rejects.toThrow(
      'workflows (chain, group, chord, links) do not run in eager mode',
    );
    await expect(add.applyAsync([1, 2], { link: add.s(1) })).rejects.toThrow(/eager mode/);
    await app.close();
  });
});
