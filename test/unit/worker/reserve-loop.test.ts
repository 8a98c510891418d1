import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Delivery, ReserveOptions } from '../../../src/brokers/contract/index.ts';
import { MemoryBroker } from '../../../src/brokers/memory/memory-broker.ts';
import { InlineExecutor } from '../../../src/executors/inline/inline-executor.ts';
import { AckBatcher } from '../../../src/worker/ack-batcher.ts';
import { ReserveLoop } from '../../../src/worker/reserve-loop.ts';

const log = pino({ level: 'silent' });

/** A memory broker that records each reserve's `max` and how many were in flight at once. */
class CountingBroker extends MemoryBroker {
  maxes: number[] = [];
  inFlight = 0;
  peakInFlight = 0;
  override async reserve(queues: string[], options: ReserveOptions): Promise<Delivery[]> {
    this.maxes.push(options.max);
    this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
    try {
      return await super.reserve(queues, options);
    } finally {
      this.inFlight--;
    }
  }
}

function setUp(size: number, handle: (d: Delivery) => Promise<void>) {
  const broker = new CountingBroker();
  const executor = new InlineExecutor(size);
  const acks = new AckBatcher(broker, log);
  const loop = new ReserveLoop({
    broker,
    executor,
    acks,
    queues: ['q'],
    leaseMs: 60_000,
    pollTimeoutMs: 50,
    log,
    process: async (delivery) => {
      await handle(delivery);
      void acks.ack(delivery);
    },
  });
  return { broker, executor, acks, loop };
}

async function fill(broker: MemoryBroker, n: number): Promise<void> {
  await broker.enqueue(
    Array.from({ length: n }, (_, i) => ({ id: `m${i}`, queue: 'q', body: new Uint8Array() })),
  );
}

describe('ReserveLoop', () => {
  it('never holds more messages than it has slots', async () => {
    const release: Array<() => void> = [];
    const { broker, loop } = setUp(4, () => new Promise<void>((r) => release.push(r)));
    await fill(broker, 20);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await new Promise((r) => setTimeout(r, 100));
    expect(release.length).toBe(4);
    expect(await broker.stats('q')).toMatchObject({ ready: 16, reserved: 4 });
    stop.abort();
    for (const r of release) r();
    await running;
  });

  it('with a backlog, asks for half the slots per reserve, two reserves at a time', async () => {
    let done = 0;
    const { broker, loop, acks } = setUp(10, async () => {
      done++;
    });
    await fill(broker, 200);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    while (done < 200) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await running;
    await acks.flush();
    expect(broker.peakInFlight).toBe(2);
    expect(Math.max(...broker.maxes.slice(1))).toBeLessThanOrEqual(5);
    expect(await broker.stats('q')).toMatchObject({ ready: 0, reserved: 0 });
  });

  it('keeps one long poll at a time on an idle queue', async () => {
    const { broker, loop } = setUp(10, async () => {});
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    await running;
    expect(broker.maxes.length).toBeGreaterThan(1);
    expect(broker.peakInFlight).toBe(1);
    expect(new Set(broker.maxes)).toEqual(new Set([10]));
  });

  it('runs waiting work from nextJob in a free slot before it reserves', async () => {
    const { broker, executor, acks } = setUp(1, async () => {});
    let release!: () => void;
    let job: (() => Promise<void>) | undefined = () =>
      new Promise<void>((r) => {
        release = r;
      });
    const loop = new ReserveLoop({
      broker,
      executor,
      acks,
      queues: ['q'],
      leaseMs: 60_000,
      pollTimeoutMs: 50,
      log,
      process: async (delivery) => void acks.ack(delivery),
      nextJob: () => {
        const next = job;
        job = undefined;
        return next;
      },
    });
    await fill(broker, 3);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await new Promise((r) => setImmediate(r));
    // The job holds the only slot: the loop waits for a slot to free, reserving nothing.
    expect(executor.active).toBe(1);
    expect(broker.maxes).toEqual([]);
    release();
    while ((await broker.stats('q')).ready > 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await running;
  });

  it('makeRoom ends an idle long poll so that waiting work gets its slot', async () => {
    const broker = new CountingBroker();
    const executor = new InlineExecutor(1);
    let job: (() => Promise<void>) | undefined;
    let ran!: () => void;
    const jobRan = new Promise<void>((r) => {
      ran = r;
    });
    const loop = new ReserveLoop({
      broker,
      executor,
      acks: new AckBatcher(broker, log),
      queues: ['q'],
      leaseMs: 60_000,
      // Without makeRoom the job would wait for this poll to time out.
      pollTimeoutMs: 600_000,
      log,
      process: async () => {},
      nextJob: () => {
        const next = job;
        job = undefined;
        return next;
      },
    });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    while (broker.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    job = async () => ran();
    loop.makeRoom();
    await jobRan;
    stop.abort();
    await running;
    expect(broker.maxes[0]).toBe(1);
  });
});
