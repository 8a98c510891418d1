import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/events/cluster-event.ts';
import { type App, createApp, MemoryBroker, type Worker } from '../../src/index.ts';
import {
  type Exporter,
  serveWorkerMetrics,
  startExporter,
  type WorkerMetrics,
} from '../../src/metrics/index.ts';
import { get, scrape } from '../support/prometheus-text.ts';

/** Resolves once `app.events` has emitted `count` events of `type` from now on. */
function emitted(app: App, type: ClusterEvent['type'], count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`app.events emitted ${seen} of ${count} "${type}" events`));
    }, 15_000);
    const off = app.events.on(type, () => {
      if (++seen < count) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

class Flaky extends Error {
  override name = 'Flaky';
}

describe('a worker serving its own /metrics', () => {
  const apps: App[] = [];
  const workers: Worker[] = [];
  const endpoints: WorkerMetrics[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stopNow()));
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  // Needs the worker to emit ClusterEvents through app.events (task:started, succeeded, ...).
  it('counts a known workload by task and state, with runtimes and queue times', async () => {
    const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' });
    apps.push(app);
    const ok = app.task('ok', () => 'fine');
    const boom = app.task('boom', { retry: { max: 0 } }, () => {
      throw new TypeError('bad input');
    });
    const flaky = app.task('flaky', { retry: { max: 1, base: 10, jitter: false } }, (ctx) => {
      if (ctx.retries === 0) throw new Flaky('first try fails');
      return 'second try works';
    });
    const worker = app.worker({ concurrency: 4, name: 'metrics@test' });
    workers.push(worker);
    const endpoint = await serveWorkerMetrics(app, worker, { port: 0, host: '127.0.0.1' });
    endpoints.push(endpoint);
    const base = endpoint.server.url;
    expect(await get(`${base}/readyz`)).toMatchObject({
      status: 503,
      body: 'worker is not consuming: starting or stopping\n',
    });
    await worker.start();
    expect((await get(`${base}/readyz`)).status).toBe(200);

    const done = Promise.all([
      emitted(app, 'task:succeeded', 11),
      emitted(app, 'task:failed', 3),
      emitted(app, 'task:retried', 1),
    ]);
    for (let i = 0; i < 10; i++) await ok.delay();
    for (let i = 0; i < 3; i++) await boom.delay();
    await flaky.delay();
    await done;

    const out = await scrape(base);
    const tasks = (task: string, state: string) =>
      out.value('celeriac_tasks_total', { task, queue: 'default', state });
    expect([tasks('ok', 'started'), tasks('ok', 'succeeded'), tasks('ok', 'failed')]).toEqual([
      10,
      10,
      undefined,
    ]);
    expect([tasks('boom', 'started'), tasks('boom', 'failed')]).toEqual([3, 3]);
    expect([
      tasks('flaky', 'started'),
      tasks('flaky', 'retried'),
      tasks('flaky', 'succeeded'),
    ]).toEqual([2, 1, 1]);
    expect(
      out.value('celeriac_task_exceptions_total', { task: 'boom', exception: 'TypeError' }),
    ).toBe(3);
    expect(out.value('celeriac_task_exceptions_total', { task: 'flaky', exception: 'Flaky' })).toBe(
      1,
    );
    expect(out.value('celeriac_task_retries_total', { task: 'flaky' })).toBe(1);
    expect(out.value('celeriac_task_retries_total', { task: 'ok' })).toBeUndefined();
    const series = (task: string) => ({ task, queue: 'default' });
    expect(out.count('celeriac_task_runtime_seconds', series('ok'))).toBe(10);
    expect(out.count('celeriac_task_runtime_seconds', series('boom'))).toBe(3);
    expect(out.count('celeriac_task_runtime_seconds', series('flaky'))).toBe(2);
    expect(out.count('celeriac_task_queue_time_seconds', series('ok'))).toBe(10);
    expect(out.count('celeriac_task_queue_time_seconds', series('flaky'))).toBe(2);
    expect(out.value('celeriac_queue_messages', { queue: 'default', state: 'ready' })).toBe(0);
    expect(out.value('celeriac_worker_concurrency', { worker: 'metrics@test' })).toBe(4);
    expect(out.type('process_cpu_user_seconds_total')).toBe('COUNTER');
    expect(out.value('celeriac_events_malformed_total')).toBe(0);

    await worker.stop();
    expect((await get(`${base}/readyz`)).status).toBe(503);
  });

  it('counts what each event sink wrote, dropped and failed to write', async () => {
    const stored: ClusterEvent[] = [];
    let failedWrites = 0;
    const app = createApp({
      broker: new MemoryBroker(),
      logLevel: 'silent',
      events: {
        sinks: [
          { name: 'store', write: async (events) => void stored.push(...events) },
          {
            name: 'broken',
            write: async () => {
              failedWrites++;
              throw new Error('store down');
            },
          },
        ],
      },
    });
    apps.push(app);
    const ok = app.task('ok', () => 'fine');
    const worker = app.worker({ name: 'sinks@test' });
    workers.push(worker);
    const endpoint = await serveWorkerMetrics(app, worker, { port: 0, host: '127.0.0.1' });
    endpoints.push(endpoint);
    await worker.start();
    const done = emitted(app, 'task:succeeded', 3);
    for (let i = 0; i < 3; i++) await ok.delay();
    await done;
    // Sinks write within a second; wait for both to have had the succeeded events.
    const deadline = Date.now() + 15_000;
    while (stored.filter((e) => e.type === 'task:succeeded').length < 3 || failedWrites === 0) {
      if (Date.now() > deadline) throw new Error(`stored ${stored.length}, failed ${failedWrites}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const out = await scrape(endpoint.server.url);
    expect(out.value('celeriac_event_sink_written_total', { sink: 'store' })).toBe(stored.length);
    expect(out.value('celeriac_event_sink_errors_total', { sink: 'store' })).toBe(0);
    expect(out.value('celeriac_event_sink_errors_total', { sink: 'broken' })).toBe(failedWrites);
    expect(out.value('celeriac_event_sink_written_total', { sink: 'broken' })).toBe(0);
    expect(out.value('celeriac_event_sink_dropped_total', { sink: 'broken' })).toBeGreaterThan(0);
  });

  it('serves queue depths and its own gauges; queue depths can be left off', async () => {
    const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' });
    apps.push(app);
    const ok = app.task('ok', () => 'fine');
    for (let i = 0; i < 3; i++) await ok.delay();
    const worker = app.worker({ concurrency: 2, name: 'idle@test', queues: ['other'] });
    workers.push(worker);
    const withQueues = await serveWorkerMetrics(app, worker, { port: 0, host: '127.0.0.1' });
    const without = await serveWorkerMetrics(app, worker, {
      port: 0,
      host: '127.0.0.1',
      queueMetrics: false,
    });
    endpoints.push(withQueues, without);
    const out = await scrape(withQueues.server.url);
    expect(out.value('celeriac_queue_messages', { queue: 'default', state: 'ready' })).toBe(3);
    expect(out.value('celeriac_broker_up')).toBe(1);
    expect(out.value('celeriac_worker_up', { worker: 'idle@test' })).toBe(1);
    expect(out.value('celeriac_worker_active_tasks', { worker: 'idle@test' })).toBe(0);
    const bare = await scrape(without.server.url);
    expect(bare.names()).not.toContain('celeriac_queue_messages');
    expect(bare.value('celeriac_worker_concurrency', { worker: 'idle@test' })).toBe(2);
  });
});

describe('the exporter', () => {
  const apps: App[] = [];
  const exporters: Exporter[] = [];
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.close()));
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  const origin = { worker: 'w1@host', hostname: 'host', pid: 7, timestamp: 1_700_000_000_000 };
  const event = (type: ClusterEvent['type'], task: string, extra = {}) => ({
    ...origin,
    type,
    id: `${task}-${type}`,
    task,
    queue: 'q',
    retries: 0,
    ...extra,
  });

  it('counts the events the cluster publishes and serves queues and workers', async () => {
    const broker = new MemoryBroker();
    const app = createApp({ broker, logLevel: 'silent' });
    apps.push(app);
    const exporter = await startExporter(app, { port: 0, host: '127.0.0.1' });
    exporters.push(exporter);
    expect(exporter.hearsEvents).toBe(true);
    // Heard after the exporter's own subscription: when this hears the last payload, so has it.
    let payloads = 0;
    await broker.broadcast.subscribe('events', () => payloads++);
    const payloadsSeen = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (payloads >= n ? resolve() : setImmediate(check));
        check();
      });
    const batches = [
      [
        event('task:started', 'mail', { queuedMs: 2000 }),
        event('task:succeeded', 'mail', { runtimeMs: 30 }),
      ],
      'not json',
      JSON.stringify({ not: 'an array' }),
      [
        event('task:failed', 'mail', {
          runtimeMs: 5,
          exception: { name: 'SMTPError', message: '' },
        }),
      ],
      [
        event('task:rate-limited', 'mail', { until: 1 }),
        { junk: true },
        event('task:exploded' as ClusterEvent['type'], 'x'),
      ],
    ];
    for (const batch of batches)
      await broker.broadcast.publish(
        'events',
        typeof batch === 'string' ? batch : JSON.stringify(batch),
      );
    await broker.enqueue([{ id: 'm1', queue: 'q', body: new Uint8Array([1]) }]);
    await broker.workers.heartbeat(
      {
        name: 'w1@host',
        hostname: 'host',
        pid: 7,
        queues: ['q'],
        concurrency: 8,
        active: 1,
        processed: 3,
        pool: 'async',
        startedAt: 1,
        heartbeatAt: 1,
      },
      60_000,
    );
    await payloadsSeen(batches.length);

    const out = await scrape(exporter.server.url);
    const tasks = (state: string) =>
      out.value('celeriac_tasks_total', { task: 'mail', queue: 'q', state });
    expect([tasks('started'), tasks('succeeded'), tasks('failed'), tasks('rate-limited')]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(
      out.value('celeriac_task_exceptions_total', { task: 'mail', exception: 'SMTPError' }),
    ).toBe(1);
    expect(out.value('celeriac_rate_limit_deferrals_total', { task: 'mail' })).toBe(1);
    expect(out.bucket('celeriac_task_queue_time_seconds', { task: 'mail', queue: 'q' }, '1')).toBe(
      0,
    );
    expect(
      out.bucket('celeriac_task_queue_time_seconds', { task: 'mail', queue: 'q' }, '2.5'),
    ).toBe(1);
    // The array's junk item is dropped by the wire parser; the unknown type is counted here.
    expect(out.value('celeriac_events_malformed_total')).toBe(1);
    expect(out.value('celeriac_queue_messages', { queue: 'q', state: 'ready' })).toBe(1);
    expect(out.value('celeriac_queue_workers', { queue: 'q' })).toBe(1);
    expect(out.value('celeriac_worker_active_tasks', { worker: 'w1@host' })).toBe(1);
    expect(out.value('celeriac_workers')).toBe(1);
    expect(await get(`${exporter.server.url}/readyz`)).toMatchObject({ status: 200 });
  });
});
