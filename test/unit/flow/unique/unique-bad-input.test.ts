import { describe, expect, it } from 'vitest';
import { type App, createApp, MemoryBroker } from '../../../../src/index.ts';

const keyK = (): string => 'k';

function memoryApp(eager = false): App {
  return createApp({ broker: new MemoryBroker(), logLevel: 'silent', eager }, {});
}

/** Registers task "x" with `unique` as given (bad values on purpose, hence `never`). */
function register(app: App, unique: unknown) {
  return app.task('x', { unique } as never, (_ctx, n: number) => n);
}

describe('bad unique options are ConfigErrors at registration', () => {
  it.each([
    [
      'no key function',
      { ttl: '1h' },
      `invalid config "tasks['x'].unique.key": expected a function of the task's arguments returning a string, got undefined`,
    ],
    [
      'a key that is not a function',
      { key: 'id', ttl: '1h' },
      `invalid config "tasks['x'].unique.key": expected a function of the task's arguments returning a string, got "id"`,
    ],
    [
      'no ttl',
      { key: keyK },
      `invalid config "tasks['x'].unique.ttl": required: how long a claim may live (such as "1h"), so a lost task cannot hold its key forever`,
    ],
    [
      'an unparsable ttl',
      { key: keyK, ttl: 'soon' },
      `invalid config "tasks['x'].unique.ttl": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"`,
    ],
    [
      'a negative ttl',
      { key: keyK, ttl: -5 },
      `invalid config "tasks['x'].unique.ttl": expected a non-negative number of milliseconds, got -5`,
    ],
    [
      'a zero ttl',
      { key: keyK, ttl: 0 },
      `invalid config "tasks['x'].unique.ttl": must be longer than 0, got 0`,
    ],
    [
      'an unknown while',
      { key: keyK, ttl: '1h', while: 'running' },
      `invalid config "tasks['x'].unique.while": expected "queued" or "queued-or-running", got "running"`,
    ],
    [
      'an unknown key',
      { key: keyK, ttl: '1h', scope: 'global' },
      `invalid config "tasks['x'].unique.scope": unknown key (known: key, ttl, while)`,
    ],
    [
      'not an object',
      true,
      `invalid config "tasks['x'].unique": expected { key, ttl, while? }, got true`,
    ],
  ])('%s', (_what, unique, message) => {
    expect(() => register(memoryApp(), unique)).toThrow(message);
  });

  it('names the broker when it keeps no unique claims', () => {
    const broker = Object.assign(new MemoryBroker(), { uniques: undefined });
    const app = createApp({ broker, logLevel: 'silent' }, {});
    expect(() => register(app, { key: keyK, ttl: '1h' })).toThrow(
      `invalid config "tasks['x'].unique": the broker MemoryBroker keeps no unique claims (it has no UniqueStore); use the memory, SQLite or Redis broker: a claim is taken with its message's enqueue, in the broker itself`,
    );
  });

  it('allows such a broker in eager mode, which never uses it', () => {
    const broker = Object.assign(new MemoryBroker(), { uniques: undefined });
    const app = createApp({ broker, logLevel: 'silent', eager: true }, {});
    expect(() => register(app, { key: keyK, ttl: '1h' })).not.toThrow();
  });
});

describe('a key function that fails rejects the send, and nothing is stored', () => {
  it('rejects when the key function throws, naming the task', async () => {
    const app = memoryApp();
    const task = app.task(
      'x',
      {
        unique: {
          key: (n: number) => {
            if (n < 0) throw new Error(`no key for ${n}`);
            return String(n);
          },
          ttl: '1h',
        },
      },
      (_ctx, n: number) => n,
    );
    await expect(task.delay(-1)).rejects.toThrow('unique key of task "x" threw: no key for -1');
    await expect(task.delayMany([[1], [-2], [3]])).rejects.toThrow(
      'unique key of task "x" threw: no key for -2',
    );
    expect(await app.broker.stats('default')).toMatchObject({ ready: 0, delayed: 0 });
  });

  it.each([
    [5, 'number 5'],
    ['', 'an empty string'],
    [undefined, 'undefined'],
    [null, 'null'],
    [{ id: 1 }, 'an object'],
  ])('rejects when the key function returns %j', async (key, got) => {
    const app = memoryApp();
    const task = register(app, { key: () => key, ttl: '1h' });
    await expect(task.applyAsync([1])).rejects.toThrow(
      `unique key of task "x" must return a non-empty string, got ${got}`,
    );
    expect(await app.broker.stats('default')).toMatchObject({ ready: 0, delayed: 0 });
  });

  it('rejects in eager mode too, before running anything', async () => {
    const app = memoryApp(true);
    let runs = 0;
    const task = app.task('x', { unique: { key: () => 7 as never, ttl: '1h' } }, () => ++runs);
    await expect(task.delay()).rejects.toThrow('unique key of task "x" must return');
    expect(runs).toBe(0);
  });
});

describe('unique tasks in eager mode', () => {
  it('run on every send: each one has started and ended before delay() returns', async () => {
    const app = memoryApp(true);
    let runs = 0;
    const task = app.task('x', { unique: { key: () => 'same', ttl: '1h' } }, () => ++runs);
    const first = await task.delay();
    const second = await task.delay();
    expect(second.id).not.toBe(first.id);
    expect([await first.get(), await second.get()]).toEqual([1, 2]);
  });
});
