import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { validateEnvelope } from '../../../src/envelope/envelope.ts';
import {
  type App,
  type AppConfig,
  BadChunkedRun,
  type ChunkedRun,
  type ChunkedTask,
  createApp,
  type IdChunk,
  MemoryBackend,
  MemoryBroker,
  NoProgressStore,
  type ResultBackend,
  type RunProgress,
  type TaskContext,
  type TaskResultRecord,
  type TimeChunk,
} from '../../../src/index.ts';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function newApp(config: AppConfig = {}): App {
  const app = createApp(
    { broker: new MemoryBroker(), backend: new MemoryBackend(), logLevel: 'silent', ...config },
    {},
  );
  apps.push(app);
  return app;
}

/** A result backend with results only, as a third-party backend might be. */
class ResultsOnlyBackend implements ResultBackend {
  private readonly inner = new MemoryBackend();
  connect = () => this.inner.connect();
  close = () => this.inner.close();
  get = (id: string) => this.inner.get(id);
  set = (record: TaskResultRecord, ttlMs: number) => this.inner.set(record, ttlMs);
  forget = (id: string) => this.inner.forget(id);
  wait = (id: string, timeoutMs: number) => this.inner.wait(id, timeoutMs);
}

const DAY = new Date('2024-01-01T00:00:00.000Z');
const idOptions = { cursor: 'id', chunkSize: 10, pause: '1s' } as const;
const noop = async () => ({ processed: 0 });

describe('chunkedTask types', () => {
  it('gives the handler the chunk type of its cursor, and the run its progress type', async () => {
    const app = newApp();
    const byId = app.chunkedTask('types.id', idOptions, async (ctx, chunk) => {
      expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
      expectTypeOf(chunk).toEqualTypeOf<IdChunk>();
      expectTypeOf(chunk.after).toEqualTypeOf<number | null>();
      return { processed: 0, last: undefined };
    });
    const byTime = app.chunkedTask(
      'types.time',
      { cursor: 'time', start: DAY, step: '1h', pause: 0 },
      (_ctx, chunk) => {
        expectTypeOf(chunk).toEqualTypeOf<TimeChunk>();
        expectTypeOf(chunk.from).toEqualTypeOf<Date>();
        return { processed: 1 };
      },
    );
    expectTypeOf(byId).toEqualTypeOf<ChunkedTask<'id'>>();
    expectTypeOf(byTime).toEqualTypeOf<ChunkedTask<'time'>>();
    expectTypeOf(byId.start).toBeCallableWith({ after: 5, queue: 'bulk', countdown: '1m' });
    expectTypeOf(byTime.start).toBeCallableWith({ from: DAY, end: new Date() });
    await expect(
      // @ts-expect-error an id run starts after an id, not from a date
      byId.start({ from: DAY }),
    ).rejects.toThrow('unknown start option "from"');
    expectTypeOf<RunProgress<'id'>['cursor']>().toEqualTypeOf<number | null>();
    expectTypeOf<RunProgress<'time'>['cursor']>().toEqualTypeOf<Date>();
    expectTypeOf<Awaited<ReturnType<typeof byTime.start>>>().toEqualTypeOf<ChunkedRun<'time'>>();
    // @ts-expect-error an id handler must say how many ids it processed
    app.chunkedTask('types.bad', idOptions, (_ctx, _chunk) => ({ last: 3 }));
    expect(() =>
      app.chunkedTask(
        'types.bad2',
        {
          cursor: 'time',
          start: DAY,
          step: '1h',
          pause: 0,
          // @ts-expect-error a time task has no chunkSize
          chunkSize: 1,
        },
        noop,
      ),
    ).toThrow('is an option of cursor "id", not of cursor "time"');
  });
});

describe('chunkedTask start()', () => {
  it('fails at the call on an app without a result backend', async () => {
    const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' }, {});
    apps.push(app);
    const task = app.chunkedTask('mail.users', idOptions, noop);
    const attempt = task.start();
    await expect(attempt).rejects.toBeInstanceOf(NoProgressStore);
    await expect(attempt).rejects.toThrow(
      'chunked task "mail.users" needs a result backend that stores chunk progress ' +
        '(WorkflowStore.readProgress and commitProgress); this app has no result backend: ' +
        'pass `backend` to createApp',
    );
    expect((await app.broker.stats('default')).ready).toBe(0);
  });

  it('fails at the call on a backend without progress, naming it', async () => {
    const app = newApp({ backend: new ResultsOnlyBackend() });
    const task = app.chunkedTask('mail.users', idOptions, noop);
    await expect(task.start()).rejects.toThrow(
      'chunked task "mail.users" needs a result backend that stores chunk progress ' +
        '(WorkflowStore.readProgress and commitProgress); ResultsOnlyBackend does not implement them',
    );
    await expect(app.chunkProgress('chunked:mail.users:x')).rejects.toThrow(
      'chunk progress "chunked:mail.users:x" needs a result backend',
    );
  });

  it.each([
    [{ after: 'abc' }, 'chunked task "mail.users": after must be an integer id or null, got "abc"'],
    [{ after: 1.5 }, 'chunked task "mail.users": after must be an integer id or null, got 1.5'],
    [
      { afterId: 3 },
      'chunked task "mail.users": unknown start option "afterId" (known: after, queue, countdown)',
    ],
  ])('rejects id start options %j with the exact message', async (start, message) => {
    const task = newApp().chunkedTask('mail.users', idOptions, noop);
    const attempt = task.start(start as never);
    await expect(attempt).rejects.toBeInstanceOf(BadChunkedRun);
    await expect(attempt).rejects.toThrow(message);
  });

  it.each([
    [
      { from: new Date('2024-01-05T00:00:00.000Z'), end: new Date('2024-01-02T00:00:00.000Z') },
      'chunked task "report.days": end 2024-01-02T00:00:00.000Z is not after start 2024-01-05T00:00:00.000Z',
    ],
    [
      { from: new Date('nope') },
      'chunked task "report.days": from must be a valid Date, got Invalid Date',
    ],
    [{ end: 5 }, 'chunked task "report.days": end must be a valid Date, got 5'],
  ])('rejects time start options %#', async (start, message) => {
    const task = newApp().chunkedTask(
      'report.days',
      { cursor: 'time', start: DAY, step: '1h', pause: 0 },
      noop,
    );
    await expect(task.start(start as never)).rejects.toThrow(message);
  });

  it('rejects a run whose default end (now) is not after a start in the future', async () => {
    const future = new Date(Date.now() + 86_400_000);
    const task = newApp().chunkedTask(
      'report.days',
      { cursor: 'time', start: future, step: '1h', pause: 0 },
      noop,
    );
    await expect(task.start()).rejects.toThrow(
      new RegExp(
        `^chunked task "report\\.days": end \\S+ is not after start ${future.toISOString()}$`,
      ),
    );
  });

  it('stores step 0 and sends one message carrying runId, step and cursor only', async () => {
    const app = newApp();
    const task = app.chunkedTask('mail.users', idOptions, noop);
    const run = await task.start({ after: 500, queue: 'bulk' });
    expect(run.key).toBe(`chunked:mail.users:${run.id}`);
    expect(await run.progress()).toMatchObject({ step: 0, cursor: 500, processed: 0, done: false });
    expect(await app.chunkProgress(run.key)).toMatchObject({ step: 0, cursor: 500 });
    const [delivery] = await app.broker.reserve(['bulk'], { max: 1, leaseMs: 60_000 } as never);
    expect(delivery?.id).toBe(`${run.id}:0`);
    if (!delivery) throw new Error('no delivery');
    const envelope = validateEnvelope(app.serializer.decode(delivery.body), delivery);
    expect(envelope.task).toBe('mail.users');
    expect(envelope.args).toStrictEqual([{ runId: run.id, step: 0, cursor: 500 }]);
  });

  it('runs a whole run in eager mode', async () => {
    const app = newApp({ eager: true });
    const seen: Array<number | null> = [];
    const task = app.chunkedTask(
      'eager.ids',
      { cursor: 'id', chunkSize: 4, pause: '1h' },
      (_c, chunk) => {
        seen.push(chunk.after);
        const first = (chunk.after ?? -1) + 1;
        const ids = [first, first + 1, first + 2, first + 3].filter((id) => id < 10);
        return { processed: ids.length, last: ids.at(-1) };
      },
    );
    const run = await task.start();
    expect(seen).toEqual([null, 3, 7]);
    expect(await run.progress()).toMatchObject({ step: 3, cursor: 9, processed: 10, done: true });
  });
});
