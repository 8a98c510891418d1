import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/brokers/contract/index.ts';
import { MemoryBroker } from '../../../src/brokers/memory/memory-broker.ts';
import { AckBatcher } from '../../../src/worker/ack-batcher.ts';

/** A memory broker that records each ack call's receipts. */
class AckRecorder extends MemoryBroker {
  calls: string[][] = [];
  override async ack(deliveries: Delivery[]): Promise<number> {
    this.calls.push(deliveries.map((d) => d.receipt));
    return super.ack(deliveries);
  }
}

async function reserved(broker: MemoryBroker, n: number): Promise<Delivery[]> {
  await broker.enqueue(
    Array.from({ length: n }, (_, i) => ({ id: `m${i}`, queue: 'q', body: new Uint8Array() })),
  );
  return broker.reserve(['q'], { max: n, leaseMs: 60_000 });
}

describe('AckBatcher', () => {
  it('hands acks to the next reserve, which reports back when its call ends', async () => {
    const broker = new AckRecorder();
    const acks = new AckBatcher(broker, pino({ level: 'silent' }));
    const [a, b] = await reserved(broker, 2);
    if (!a || !b) throw new Error('not reserved');
    let answered = false;
    const acked = acks.ack(a).then(() => {
      answered = true;
    });
    void acks.ack(b);
    const taken = acks.take();
    expect(taken.deliveries.map((d) => d.id)).toEqual(['m0', 'm1']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    taken.done();
    await acked;
    expect(broker.calls).toEqual([]);
  });

  it('sends acks before start on their own, batched in one call, never to a reserve', async () => {
    const broker = new AckRecorder();
    const acks = new AckBatcher(broker, pino({ level: 'silent' }));
    const [a, b] = await reserved(broker, 2);
    if (!a || !b) throw new Error('not reserved');
    const both = Promise.all([acks.ackBeforeStart(a), acks.ackBeforeStart(b)]);
    expect(acks.take().deliveries).toEqual([]);
    await both;
    expect(broker.calls).toEqual([[a.receipt, b.receipt]]);
    expect((await broker.stats('q')).reserved).toBe(0);
  });
});
