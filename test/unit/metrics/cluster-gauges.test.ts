import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../../../src/brokers/contract/worker-registry.ts';
import { type Broker, MemoryBroker, SqliteBroker } from '../../../src/index.ts';
import { ClusterGauges } from '../../../src/metrics/index.ts';
import { Exposition } from '../../support/prometheus-text.ts';

const body = new Uint8Array([1]);
let seq = 0;

/** Publishes `n` messages on `queue`, delayed an hour when `delayed`. */
async function publish(broker: Broker, queue: string, n: number, delayed = false): Promise<void> {
  const availableAt = delayed ? Date.now() + 3_600_000 : undefined;
  await broker.enqueue(
    Array.from({ length: n }, () => ({ id: `m${++seq}`, queue, body, availableAt })),
  );
}

function workerInfo(name: string, queues: string[], active: number): WorkerInfo {
  const now = Date.now();
  return {
    name,
    hostname: 'host',
    pid: 1,
    queues,
    concurrency: 4,
    active,
    processed: 0,
    pool: 'async',
    startedAt: now,
    heartbeatAt: now,
  };
}

/**
 * A broker of a kind that keeps no worker registry (the member is optional): a real memory
 * broker with that member hidden.
 */
function withoutRegistry(broker: MemoryBroker): Broker {
  return new Proxy(broker, {
    get(target, key) {
      if (key === 'workers') return undefined;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function expose(registry: Registry): Promise<Exposition> {
  return new Exposition(await registry.metrics());
}

describe('ClusterGauges', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves messages per queue by state', async () => {
    const broker = new MemoryBroker();
    const registry = new Registry();
    new ClusterGauges(broker, { registry });
    await publish(broker, 'a', 3);
    await publish(broker, 'a', 1, true);
    const [reserved, dead] = await broker.reserve(['a'], { max: 2, leaseMs: 60_000 });
    await broker.nack(dead as never, { deadLetter: true, reason: 'test' });
    expect(reserved).toBeDefined();
    const out = await expose(registry);
    const depth = (state: string) => out.value('celeriac_queue_messages', { queue: 'a', state });
    expect([depth('ready'), depth('reserved'), depth('delayed'), depth('dead')]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(out.value('celeriac_broker_up')).toBe(1);
    expect(out.value('celeriac_scrape_errors_total')).toBe(0);
  });

  it('counts live workers per queue, 0 for a queue nobody consumes', async () => {
    const broker = new MemoryBroker();
    const registry = new Registry();
    new ClusterGauges(broker, { registry });
    await publish(broker, 'orphan', 2);
    await broker.workers.heartbeat(workerInfo('w1@h', ['a', 'b'], 3), 60_000);
    await broker.workers.heartbeat(workerInfo('w2@h', ['a'], 0), 60_000);
    const out = await expose(registry);
    expect(out.value('celeriac_workers')).toBe(2);
    const perQueue = out.samples('celeriac_queue_workers').map((s) => [s.labels?.queue, s.value]);
    expect(perQueue).toEqual([
      ['orphan', '0'],
      ['a', '2'],
      ['b', '1'],
    ]);
    expect(out.value('celeriac_worker_up', { worker: 'w1@h' })).toBe(1);
    expect(out.value('celeriac_worker_active_tasks', { worker: 'w1@h' })).toBe(3);
    expect(out.value('celeriac_worker_concurrency', { worker: 'w2@h' })).toBe(4);
  });

  it('reads the broker once per cache period, however many scrapes', async () => {
    const broker = new MemoryBroker();
    const registry = new Registry();
    let now = 1_000_000;
    new ClusterGauges(broker, { registry, now: () => now });
    await publish(broker, 'a', 1);
    await broker.workers.heartbeat(workerInfo('w1@h', ['a'], 0), 60_000);
    expect(
      (await expose(registry)).value('celeriac_queue_messages', { queue: 'a', state: 'ready' }),
    ).toBe(1);
    await publish(broker, 'a', 1);
    await broker.workers.remove('w1@h');
    now += 999;
    const cached = await expose(registry);
    expect(cached.value('celeriac_queue_messages', { queue: 'a', state: 'ready' })).toBe(1);
    expect(cached.value('celeriac_worker_up', { worker: 'w1@h' })).toBe(1);
    now += 1;
    const fresh = await expose(registry);
    expect(fresh.value('celeriac_queue_messages', { queue: 'a', state: 'ready' })).toBe(2);
    // A worker that went away leaves no series behind.
    expect(fresh.samples('celeriac_worker_up')).toEqual([]);
    expect(fresh.value('celeriac_workers')).toBe(0);
  });

  it('keeps serving when the broker fails: broker_up 0, an error counted, ready() says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-gauges-'));
    dirs.push(dir);
    // The broker's folder is a file: every call fails to open the database.
    writeFileSync(join(dir, 'not-a-dir'), '');
    const path = join(dir, 'not-a-dir', 'broker.db');
    const broker = new SqliteBroker({ path });
    const registry = new Registry();
    const gauges = new ClusterGauges(broker, { registry });
    const out = await expose(registry);
    expect(out.value('celeriac_broker_up')).toBe(0);
    expect(out.value('celeriac_scrape_errors_total')).toBe(1);
    expect(out.samples('celeriac_queue_messages')).toEqual([]);
    expect(await gauges.ready()).toMatch(
      `broker unreachable: cannot open SQLite broker database "${path}"`,
    );
  });

  it('serves no worker gauges for a broker without a worker registry', async () => {
    const broker = withoutRegistry(new MemoryBroker());
    const registry = new Registry();
    new ClusterGauges(broker, { registry });
    await publish(broker, 'a', 2);
    const out = await expose(registry);
    expect(out.value('celeriac_queue_messages', { queue: 'a', state: 'ready' })).toBe(2);
    expect(out.names()).not.toContain('celeriac_workers');
    expect(out.names()).not.toContain('celeriac_queue_workers');
    expect(out.names()).not.toContain('celeriac_worker_up');
  });

  it('skips worker records of another shape instead of failing the scrape', async () => {
    const broker = new MemoryBroker();
    const registry = new Registry();
    new ClusterGauges(broker, { registry });
    await broker.workers.heartbeat(workerInfo('good@h', ['a'], 1), 60_000);
    const bad = { ...workerInfo('bad@h', ['a'], 0), queues: 'a' };
    await broker.workers.heartbeat(bad as unknown as WorkerInfo, 60_000);
    const out = await expose(registry);
    expect(out.value('celeriac_workers')).toBe(1);
    expect(out.samples('celeriac_worker_up').map((s) => s.labels?.worker)).toEqual(['good@h']);
  });

  it('leaves per-worker series out when asked', async () => {
    const broker = new MemoryBroker();
    const registry = new Registry();
    new ClusterGauges(broker, { registry, perWorker: false });
    await broker.workers.heartbeat(workerInfo('w1@h', ['a'], 0), 60_000);
    const out = await expose(registry);
    expect(out.value('celeriac_workers')).toBe(1);
    expect(out.names()).not.toContain('celeriac_worker_up');
  });
});
