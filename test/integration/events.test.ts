import { describe, expect, it } from 'vitest';
import type { ClusterEvent, ClusterTaskEvent } from '../../src/index.ts';
import { BROKERS_AND_PAIRS, harness, once } from './harness.ts';

/** Resolves once `predicate` holds for the events gathered so far. */
function until(seen: ClusterEvent[], predicate: (seen: ClusterEvent[]) => boolean) {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (predicate(seen)) return resolve();
      if (Date.now() - started > 15_000)
        return reject(new Error(`events so far: ${seen.map((e) => e.type).join(', ')}`));
      setTimeout(check, 10);
    };
    check();
  });
}

/**
 * The event types of one task in the order they came, `task:sent` first: the producer emits it
 * once the broker has stored the message, by which time a worker may have received it already.
 */
const typesOf = (seen: ClusterEvent[], id: string) => {
  const types = seen
    .filter((e): e is ClusterTaskEvent => 'id' in e && e.id === id)
    .map((e) => e.type);
  const sent = types.filter((t) => t === 'task:sent');
  return [...sent, ...types.filter((t) => t !== 'task:sent')];
};

describe.each(BROKERS_AND_PAIRS)('task and worker events on the %s broker', (kind) => {
  const h = harness(kind);

  it('app.events.on hears each step of this process’s tasks, with runtime and time in queue', async () => {
    const app = h.app();
    const seen: ClusterEvent[] = [];
    app.events.on('*', (event) => seen.push(event));
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const flaky = app.task('flaky', { retry: { max: 1, base: 1, jitter: false } }, (ctx) => {
      if (ctx.retries === 0) throw new TypeError('first time');
      throw new RangeError('again');
    });
    const worker = await h.worker(app, { name: 'w1@test' });
    const ok = await add.delay(2, 3);
    const bad = await flaky.delay();
    await ok.get({ timeout: '10s' });
    await until(seen, (s) => typesOf(s, bad.id).includes('task:failed'));
    expect(typesOf(seen, ok.id)).toEqual([
      'task:sent',
      'task:received',
      'task:started',
      'task:succeeded',
    ]);
    expect(typesOf(seen, bad.id)).toEqual([
      'task:sent',
      'task:received',
      'task:started',
      'task:retried',
      'task:received',
      'task:started',
      'task:failed',
    ]);
    const byType = (id: string, type: string) =>
      seen.find((e) => e.type === type && 'id' in e && e.id === id) as ClusterTaskEvent;
    expect(byType(ok.id, 'task:sent')).toMatchObject({
      task: 'add',
      queue: 'default',
      argsRepr: '[ 2, 3 ]',
    });
    expect(byType(ok.id, 'task:started')).toMatchObject({ worker: worker.name, pid: process.pid });
    expect(byType(ok.id, 'task:started').queuedMs).toBeGreaterThanOrEqual(0);
    expect(byType(ok.id, 'task:succeeded').runtimeMs).toBeGreaterThanOrEqual(0);
    expect(byType(bad.id, 'task:retried')).toMatchObject({
      exception: { name: 'TypeError', message: 'first time' },
      delayMs: 1,
    });
    expect(byType(bad.id, 'task:failed')).toMatchObject({
      retries: 1,
      exception: { name: 'RangeError', message: 'again' },
    });
  });

  it('rejected, expired and rate-limited messages have their events', async () => {
    const app = h.app();
    const seen: ClusterEvent[] = [];
    app.events.on('*', (event) => seen.push(event));
    const limited = app.task('limited', { rateLimit: '1/m' }, () => 'ok');
    const worker = await h.worker(app);
    const unknown = await app.sendTask('not.registered');
    const expired = await limited.applyAsync([], { expires: new Date(Date.now() - 1000) });
    const first = await limited.delay();
    await first.get({ timeout: '10s' });
    const second = await limited.delay();
    await until(seen, (s) => typesOf(s, second.id).includes('task:rate-limited'));
    await until(seen, (s) => typesOf(s, unknown.id).includes('task:rejected'));
    expect(typesOf(seen, unknown.id)).toEqual(['task:sent', 'task:rejected']);
    expect(typesOf(seen, expired.id)).toEqual(['task:sent', 'task:received', 'task:expired']);
    const rated = seen.find((e) => e.type === 'task:rate-limited') as ClusterTaskEvent;
    expect(rated.until).toBeGreaterThan(Date.now());
    expect(rated.reason).toMatch(/^rate limit/);
    await worker.stop();
  });

  it('with events on, another process receives the cluster’s events over the broker', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const monitor = h.sibling(app);
    const seen: ClusterEvent[] = [];
    const stop = await monitor.events.receive((event) => seen.push(event));
    const worker = await h.worker(app, { name: 'w1@test', events: true, heartbeat: '200ms' });
    const result = await add.delay(1, 2);
    await result.get({ timeout: '10s' });
    await until(seen, (s) => typesOf(s, result.id).includes('task:succeeded'));
    await until(seen, (s) => s.some((e) => e.type === 'worker:heartbeat'));
    expect(typesOf(seen, result.id)).toEqual([
      'task:sent',
      'task:received',
      'task:started',
      'task:succeeded',
    ]);
    expect(seen.find((e) => e.type === 'worker:online')).toMatchObject({
      worker: 'w1@test',
      queues: ['default'],
      concurrency: 10,
    });
    const offline = once(worker, 'worker:offline');
    await worker.stop();
    await offline;
    await until(seen, (s) => s.some((e) => e.type === 'worker:offline'));
    await stop();
  });

  it('a producer with events.send publishes task:sent without any worker', async () => {
    const monitorApp = h.app();
    const producer = h.sibling(monitorApp, { events: { send: true } });
    const seen: ClusterEvent[] = [];
    await monitorApp.events.receive((event) => seen.push(event));
    const sent = await producer.sendTask('reports.build', [2026], { countdown: '1h' });
    await until(seen, (s) => s.length > 0);
    expect(seen).toMatchObject([
      {
        type: 'task:sent',
        id: sent.id,
        task: 'reports.build',
        argsRepr: '[ 2026 ]',
        pid: process.pid,
      },
    ]);
    expect((seen[0] as ClusterTaskEvent).eta).toBeGreaterThan(Date.now());
  });

  it('without events on, nothing is published on the broker', async () => {
    const app = h.app();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const monitor = h.sibling(app);
    const seen: ClusterEvent[] = [];
    await monitor.events.receive((event) => seen.push(event));
    await h.worker(app);
    await (await add.delay(1, 2)).get({ timeout: '10s' });
    // A marker published after the task proves the subscription was live throughout.
    await app.coordination.broadcast?.publish(
      'events',
      JSON.stringify([{ type: 'worker:heartbeat', timestamp: 1 }]),
    );
    await until(seen, (s) => s.length > 0);
    expect(seen.map((e) => e.type)).toEqual(['worker:heartbeat']);
  });
});
