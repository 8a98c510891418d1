import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, Delivery } from '../../../src/index.ts';
import { AckBatcher } from '../../../src/worker/ack-batcher.ts';
import { LeaseKeeper } from '../../../src/worker/lease-keeper.ts';

const log = pino({ level: 'silent' });

function delivery(id: string): Delivery {
  return {
    id,
    queue: 'q',
    body: new Uint8Array(),
    priority: 0,
    deliveryCount: 1,
    receipt: `r-${id}`,
  };
}

/** A broker that records the calls a LeaseKeeper and an AckBatcher make. */
function fakeBroker() {
  const calls = { extend: [] as Array<{ ids: string[]; ms: number }>, ack: [] as string[][] };
  const waiters: Array<() => void> = [];
  const broker = {
    async extendLease(deliveries: Delivery[], ms: number) {
      calls.extend.push({ ids: deliveries.map((d) => d.id), ms });
      for (const wake of waiters.splice(0)) wake();
      return deliveries.length;
    },
    async ack(deliveries: Delivery[]) {
      calls.ack.push(deliveries.map((d) => d.id));
      return deliveries.length;
    },
  } as unknown as Broker;
  const nextRenewal = () => new Promise<void>((resolve) => waiters.push(resolve));
  return { broker, calls, nextRenewal };
}

const keepers: LeaseKeeper[] = [];
afterEach(() => {
  for (const keeper of keepers.splice(0)) keeper.stop();
});

describe('LeaseKeeper', () => {
  it('renews every held delivery in one call, for the full lease', async () => {
    const { broker, calls, nextRenewal } = fakeBroker();
    const keeper = new LeaseKeeper(broker, 300, log);
    keepers.push(keeper);
    keeper.hold(delivery('a'));
    keeper.hold(delivery('b'));
    keeper.start();
    await nextRenewal();
    expect(calls.extend[0]).toEqual({ ids: ['a', 'b'], ms: 300 });
  });

  it('stops renewing a released delivery', async () => {
    const { broker, calls, nextRenewal } = fakeBroker();
    const keeper = new LeaseKeeper(broker, 300, log);
    keepers.push(keeper);
    const a = delivery('a');
    keeper.hold(a);
    keeper.hold(delivery('b'));
    expect(keeper.isHeld(a)).toBe(true);
    keeper.release(a);
    expect(keeper.isHeld(a)).toBe(false);
    expect(keeper.holding().map((d) => d.id)).toEqual(['b']);
    keeper.start();
    await nextRenewal();
    expect(calls.extend.at(-1)?.ids).toEqual(['b']);
  });

  it('calls the broker only while something is held', async () => {
    const { broker, calls, nextRenewal } = fakeBroker();
    const keeper = new LeaseKeeper(broker, 300, log);
    keepers.push(keeper);
    keeper.start();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(calls.extend).toEqual([]);
    keeper.hold(delivery('late'));
    await nextRenewal();
    expect(calls.extend).toHaveLength(1);
  });
});

describe('AckBatcher', () => {
  it('sends the acks of one turn in one call', async () => {
    const { broker, calls } = fakeBroker();
    const acks = new AckBatcher(broker, log);
    await Promise.all([acks.ack(delivery('a')), acks.ack(delivery('b')), acks.ack(delivery('c'))]);
    await acks.ack(delivery('d'));
    expect(calls.ack).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('flushes at once on demand, and does not call the broker for nothing', async () => {
    const { broker, calls } = fakeBroker();
    const acks = new AckBatcher(broker, log);
    await acks.flush();
    expect(calls.ack).toEqual([]);
    void acks.ack(delivery('x'));
    await acks.flush();
    expect(calls.ack).toEqual([['x']]);
  });

  it('does not fail the caller when an ack fails', async () => {
    const broker = {
      ack: async () => {
        throw new Error('database is locked');
      },
    } as unknown as Broker;
    const acks = new AckBatcher(broker, log);
    await expect(acks.ack(delivery('a'))).resolves.toBeUndefined();
    acks.close();
  });

  it('retries a failed ack until the broker takes it', async () => {
    const attempts: string[][] = [];
    let acked!: () => void;
    const done = new Promise<void>((resolve) => {
      acked = resolve;
    });
    const broker = {
      ack: async (deliveries: Delivery[]) => {
        attempts.push(deliveries.map((d) => d.id));
        if (attempts.length < 3) throw new Error('Connection is closed.');
        acked();
        return deliveries.length;
      },
    } as unknown as Broker;
    const acks = new AckBatcher(broker, log);
    await acks.ack(delivery('a'));
    await done;
    expect(attempts).toEqual([['a'], ['a'], ['a']]);
  });

  it('hands queued acks to the next reserve, and settles their callers when it reports back', async () => {
    const { broker, calls } = fakeBroker();
    const acks = new AckBatcher(broker, log);
    let settled = false;
    const waiting = acks.ack(delivery('a')).then(() => {
      settled = true;
    });
    void acks.ack(delivery('b'));
    const taken = acks.take();
    expect(taken.deliveries.map((d) => d.id)).toEqual(['a', 'b']);
    await acks.flush();
    expect(settled).toBe(false);
    taken.done();
    await waiting;
    expect(settled).toBe(true);
    expect(calls.ack).toEqual([]);
  });

  it('takes back acks whose reserve failed and sends them itself', async () => {
    const attempts: string[][] = [];
    let acked!: () => void;
    const done = new Promise<void>((resolve) => {
      acked = resolve;
    });
    const broker = {
      ack: async (deliveries: Delivery[]) => {
        attempts.push(deliveries.map((d) => d.id));
        acked();
        return deliveries.length;
      },
    } as unknown as Broker;
    const acks = new AckBatcher(broker, log);
    const waiting = acks.ack(delivery('a'));
    const taken = acks.take();
    taken.done(new Error('Connection is closed.'));
    await waiting;
    await done;
    expect(attempts).toEqual([['a']]);
  });
});
