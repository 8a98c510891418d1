import { afterEach, describe, expect, it } from 'vitest';
import { type App, type ClusterEvent, createApp, type EventSink } from '../../../../src/index.ts';
import { until } from '../../../e2e/e2e-env.ts';
import { capturingLogger, taskEvent } from '../../../support/cluster-events.ts';

/** A sink that keeps each batch it is given. */
function recordingSink(name = 'recording') {
  const batches: ClusterEvent[][] = [];
  let closed = 0;
  const sink: EventSink = {
    name,
    async write(events) {
      batches.push([...events]);
    },
    async close() {
      closed++;
    },
  };
  return { sink, batches, closed: () => closed };
}

const events = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => taskEvent({ id: `t${from + i}` }));

describe('event sinks behind app.events', () => {
  const apps: App[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const makeApp = (config: Parameters<typeof createApp>[0] = {}) => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent', ...config });
    apps.push(app);
    return app;
  };

  it('writes events in batches of 500, oldest first, and the rest at close', async () => {
    const app = makeApp();
    const { sink, batches, closed } = recordingSink();
    app.events.addSink(sink);
    for (const event of events(1200)) app.events.emit(event);
    await until(() => batches.length === 2, 'two full batches');
    await app.close();
    expect(batches.map((batch) => batch.length)).toEqual([500, 500, 200]);
    expect(batches.flat().map((event) => (event as { id: string }).id)).toEqual(
      events(1200).map((event) => event.id),
    );
    expect(closed()).toBe(1);
    expect(app.events.sinkStats()).toEqual([
      { sink: 'recording', written: 1200, dropped: 0, errors: 0 },
    ]);
  });

  it('writes a partial batch on its timer, without waiting for close', async () => {
    const app = makeApp();
    const { sink, batches } = recordingSink();
    app.events.addSink(sink);
    app.events.emit(taskEvent({ id: 'lonely' }));
    await until(() => batches.length === 1, 'the timed flush', 15_000);
    expect(batches).toEqual([[taskEvent({ id: 'lonely' })]]);
  });

  it('adds the sinks of the config, and writes them at close', async () => {
    const { sink, batches } = recordingSink('from-config');
    const app = makeApp({ events: { sinks: [sink] } });
    expect(app.events.sinks).toEqual([sink]);
    app.events.emit(taskEvent());
    await app.close();
    expect(batches).toEqual([[taskEvent()]]);
  });

  it('drops the oldest events while a write hangs, and never makes emit wait', async () => {
    const app = makeApp();
    let release: () => void = () => {};
    const batches: ClusterEvent[][] = [];
    app.events.addSink({
      name: 'stuck',
      write(batch) {
        batches.push([...batch]);
        // The first write hangs until the test releases it; later ones succeed.
        return batches.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    });
    for (const event of events(100_000)) app.events.emit(event);
    expect(app.events.sinkStats()[0]).toEqual({
      sink: 'stuck',
      written: 0,
      dropped: 90_000,
      errors: 0,
    });
    await until(() => batches.length === 1, 'the first write');
    // The hung write holds 500 of the 10,000 kept; the buffer has room for 500 more.
    for (const event of events(600, 100_000)) app.events.emit(event);
    expect(app.events.sinkStats()[0]?.dropped).toBe(90_100);
    expect(batches).toHaveLength(1);
    release();
    await app.close();
    const written = batches.flat().map((event) => (event as { id: string }).id);
    expect(written[0]).toBe('t90000');
    expect(written).toHaveLength(10_500);
    expect(written.at(-1)).toBe('t100599');
    expect(app.events.sinkStats()[0]).toEqual({
      sink: 'stuck',
      written: 10_500,
      dropped: 90_100,
      errors: 0,
    });
  });

  it('counts a sink that throws or rejects, drops its batches, and logs it once', async () => {
    const { logger, records } = capturingLogger();
    const app = makeApp({ logger });
    app.events.addSink({
      name: 'throws',
      write() {
        throw new Error('store is down');
      },
    });
    app.events.addSink({ name: 'rejects', write: async () => Promise.reject(new Error('503')) });
    const healthy = recordingSink('healthy');
    app.events.addSink(healthy.sink);
    for (const event of events(1200)) expect(() => app.events.emit(event)).not.toThrow();
    await app.close();
    expect(app.events.sinkStats()).toEqual([
      { sink: 'throws', written: 0, dropped: 1200, errors: 3 },
      { sink: 'rejects', written: 0, dropped: 1200, errors: 3 },
      { sink: 'healthy', written: 1200, dropped: 0, errors: 0 },
    ]);
    const failures = records.filter((record) => record.msg.startsWith('event sink'));
    expect(failures.map((record) => record.msg)).toEqual([
      'event sink "throws" failed; dropped a batch of 500 events',
      'event sink "rejects" failed; dropped a batch of 500 events',
    ]);
    expect(failures[0]?.err).toMatchObject({ message: 'store is down' });
  });

  it('refuses something that is not a sink', () => {
    const app = makeApp();
    const message = 'addSink: expected a sink, an object with a name and write(events)';
    expect(() => app.events.addSink({ name: 'no-write' } as unknown as EventSink)).toThrow(
      new TypeError(message),
    );
    expect(() => app.events.addSink({ name: '', write: async () => {} })).toThrow(message);
    expect(app.events.sinks).toEqual([]);
  });

  it('counts a sink whose close throws', async () => {
    const app = makeApp();
    app.events.addSink({
      name: 'bad-close',
      write: async () => {},
      close: async () => Promise.reject(new Error('cannot close')),
    });
    app.events.emit(taskEvent());
    await app.close();
    expect(app.events.sinkStats()).toEqual([
      { sink: 'bad-close', written: 1, dropped: 0, errors: 1 },
    ]);
  });

  it('hands a sink only the types it asks for, and reports what is wanted', async () => {
    const app = makeApp();
    const { sink, batches } = recordingSink('failures');
    app.events.addSink({ ...sink, types: ['task:failed'] });
    expect(app.events.wanted('task:failed')).toBe(true);
    expect(app.events.wanted('task:started')).toBe(false);
    app.events.emit(taskEvent({ type: 'task:started' }));
    app.events.emit(taskEvent({ type: 'task:failed', id: 'bad' }));
    await app.close();
    expect(batches).toEqual([[taskEvent({ type: 'task:failed', id: 'bad' })]]);
    expect(app.events.sinkStats()[0]).toMatchObject({ written: 1, dropped: 0 });
  });
});
