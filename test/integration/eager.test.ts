import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type App,
  createApp,
  MemoryBackend,
  MemoryBroker,
  type Middleware,
  NoResultBackend,
  Reject,
  TaskFailed,
  UnknownTask,
} from '../../src/index.ts';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function eagerApp(broker = new MemoryBroker()) {
  const app = createApp({ broker, eager: true, logLevel: 'silent' }, {});
  apps.push(app);
  return app;
}

describe('eager mode', () => {
  it('runs delay() inline and never touches the broker', async () => {
    const broker = new MemoryBroker();
    const calls = ['connect', 'enqueue', 'reserve'].map((name) =>
      vi.spyOn(broker, name as 'connect'),
    );
    const app = eagerApp(broker);
    let ran = 0;
    const add = app.task('add', (ctx, a: number, b: number) => {
      ran++;
      expect(ctx.eager).toBe(true);
      return a + b;
    });
    const result = await add.delay(2, 3);
    expect(ran).toBe(1);
    expect(await result.get()).toBe(5);
    expect(await result.state()).toBe('SUCCESS');
    for (const call of calls) expect(call).not.toHaveBeenCalled();
    expect(await broker.queues()).toEqual([]);
  });

  it('is switched on by CELERIAC_EAGER', async () => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent' }, { CELERIAC_EAGER: 'true' });
    apps.push(app);
    const one = app.task('one', () => 1);
    expect(await (await one.delay()).get()).toBe(1);
    expect(await app.broker.queues()).toEqual([]);
  });

  it('passes each attempt through the middleware, retries included, without waiting', async () => {
    const app = eagerApp();
    const seen: Array<{ task: string; retries: number; outcome: string }> = [];
    const spy: Middleware = async (execution, next) => {
      try {
        await next();
        seen.push({
          task: execution.task.name,
          retries: execution.envelope.retries,
          outcome: 'ok',
        });
      } catch (error) {
        seen.push({
          task: execution.task.name,
          retries: execution.envelope.retries,
          outcome: (error as Error).message,
        });
        throw error;
      }
    };
    app.use(spy);
    let attempts = 0;
    // An hour of backoff: the test would time out if eager mode waited for it.
    const flaky = app.task('flaky', { retry: { max: 3, base: '1h' } }, (ctx) => {
      attempts++;
      if (ctx.retries < 2) throw new Error(`attempt ${ctx.retries + 1} failed`);
      return `ok after ${ctx.retries} retries`;
    });
    const result = await flaky.delay();
    expect(await result.get()).toBe('ok after 2 retries');
    expect(attempts).toBe(3);
    expect(seen).toEqual([
      { task: 'flaky', retries: 0, outcome: 'attempt 1 failed' },
      { task: 'flaky', retries: 1, outcome: 'attempt 2 failed' },
      { task: 'flaky', retries: 2, outcome: 'ok' },
    ]);
    expect((await result.info())?.retries).toBe(2);
  });

  it('throws TaskFailed from get() once retries are exhausted', async () => {
    const app = eagerApp();
    let attempts = 0;
    const broken = app.task('broken', { retry: { max: 2 } }, () => {
      attempts++;
      throw new Error('nope');
    });
    const result = await broken.delay();
    expect(attempts).toBe(3);
    const error = await result.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailed);
    expect((error as TaskFailed).message).toBe(
      `task broken[${result.id}] ended in FAILURE: Error: nope`,
    );
    expect(await result.state()).toBe('FAILURE');
  });

  it('runs a Reject once', async () => {
    const app = eagerApp();
    let attempts = 0;
    const strict = app.task('strict', () => {
      attempts++;
      throw new Reject('never');
    });
    await expect((await strict.delay()).get()).rejects.toThrow('ended in FAILURE: Reject: never');
    expect(attempts).toBe(1);
  });

  it('enforces the soft time limit', async () => {
    const app = eagerApp();
    const careful = app.task('careful', { softTimeLimit: 20 }, async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      return (ctx.signal.reason as Error).name;
    });
    expect(await (await careful.delay()).get()).toBe('SoftTimeLimitExceeded');
  });

  it('refuses an unknown task name', async () => {
    const app = eagerApp();
    await expect(app.sendTask('missing', [])).rejects.toBeInstanceOf(UnknownTask);
    await expect(app.sendTask('missing', [])).rejects.toThrow(
      'unknown task "missing": it is not registered on this app',
    );
  });

  it('also stores the outcome in a configured backend', async () => {
    const backend = new MemoryBackend();
    const app = createApp({ broker: 'memory://', backend, eager: true, logLevel: 'silent' }, {});
    apps.push(app);
    const one = app.task('one', () => 1);
    const result = await one.delay();
    expect(await backend.get(result.id)).toMatchObject({ state: 'SUCCESS', value: 1 });
  });
});

describe('calling a task handle', () => {
  it('runs the handler now, without retries, errors reaching the caller', async () => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent' }, {});
    apps.push(app);
    let attempts = 0;
    const add = app.task('add', { retry: { max: 5 } }, (ctx, a: number, b: number) => {
      attempts++;
      if (a < 0) throw new RangeError('negative');
      return { sum: a + b, eager: ctx.eager };
    });
    expect(await add(1, 2)).toEqual({ sum: 3, eager: true });
    await expect(add(-1, 2)).rejects.toThrow(RangeError);
    expect(attempts).toBe(2);
    expect(await app.broker.queues()).toEqual([]);
  });

  it('has no results without a backend', async () => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent' }, {});
    apps.push(app);
    const one = app.task('one', () => 1);
    const result = await one.delay();
    await expect(result.get()).rejects.toBeInstanceOf(NoResultBackend);
    expect(await app.broker.stats('default')).toMatchObject({ ready: 1 });
  });
});
