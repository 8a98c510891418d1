import { expect } from 'vitest';
import type { Delivery } from '../../brokers/contract/index.ts';
import { type BrokerCase, ids, LONG_LEASE, message, pause, reserveNow, text } from './case.ts';

/** Publishing, ordering, reserving, acking and leases. */
export const deliveryCases: BrokerCase[] = [
  {
    title: 'round trip keeps id, queue, body and priority',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'm1', { priority: 3 })]);
      const [d, ...rest] = await reserveNow(broker, [q]);
      expect(rest).toEqual([]);
      expect(d).toMatchObject({ id: 'm1', queue: q, priority: 3, deliveryCount: 1 });
      expect(d?.body).toBeInstanceOf(Uint8Array);
      expect(text(d?.body ?? new Uint8Array())).toBe('body-m1');
      expect(typeof d?.receipt).toBe('string');
    },
  },
  {
    title: 'a batch is delivered in FIFO order',
    async run({ broker, queue }) {
      const q = queue();
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
      await broker.enqueue(sent.map((id) => message(q, id)));
      expect(ids(await reserveNow(broker, [q]))).toEqual(sent);
    },
  },
  {
    title: 'reserve returns at most max messages',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue(['a', 'b', 'c', 'd', 'e'].map((id) => message(q, id)));
      expect(ids(await reserveNow(broker, [q], 2))).toEqual(['a', 'b']);
      expect(ids(await reserveNow(broker, [q], 2))).toEqual(['c', 'd']);
      expect(ids(await reserveNow(broker, [q], 2))).toEqual(['e']);
      expect(await reserveNow(broker, [q], 2)).toEqual([]);
    },
  },
  {
    title: 'higher priority first, FIFO within a priority',
    async run({ broker, queue }) {
      const q = queue();
      const plan: [string, number][] = [
        ['a', 0],
        ['b', 9],
        ['c', 0],
        ['d', 9],
        ['e', 5],
      ];
      await broker.enqueue(plan.map(([id, priority]) => message(q, id, { priority })));
      expect(ids(await reserveNow(broker, [q], 2))).toEqual(['b', 'd']);
      expect(ids(await reserveNow(broker, [q]))).toEqual(['e', 'a', 'c']);
    },
  },
  {
    title: 'queues are drained in the given order',
    async run({ broker, queue }) {
      const [first, second] = [queue('first'), queue('second')];
      await broker.enqueue([message(second, 's1', { priority: 9 }), message(second, 's2')]);
      await broker.enqueue([message(first, 'f1')]);
      expect(ids(await reserveNow(broker, [first, second], 2))).toEqual(['f1', 's1']);
      expect(ids(await reserveNow(broker, [first, second], 2))).toEqual(['s2']);
    },
  },
  {
    title: 'ack removes the message and counts held receipts',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a'), message(q, 'b')]);
      const taken = await reserveNow(broker, [q]);
      expect(await broker.ack(taken)).toBe(2);
      expect(await broker.ack(taken)).toBe(0);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    },
  },
  {
    title: 'reserve acks the deliveries it is given, on any of its queues, before taking more',
    async run({ broker, queue }) {
      const [q1, q2] = [queue('one'), queue('two')];
      await broker.enqueue([message(q1, 'a'), message(q1, 'b'), message(q1, 'c')]);
      await broker.enqueue([message(q2, 'x')]);
      const first = await reserveNow(broker, [q1, q2], 4);
      expect(ids(first)).toEqual(['a', 'b', 'c', 'x']);
      await broker.enqueue([message(q1, 'd')]);
      // q1 fills max, so q2 is never reached by this reserve: its ack must still be made.
      const next = await broker.reserve([q1, q2], { max: 1, leaseMs: LONG_LEASE, ack: first });
      expect(ids(next)).toEqual(['d']);
      expect(await broker.stats(q1)).toMatchObject({ ready: 0, reserved: 1 });
      expect(await broker.stats(q2)).toMatchObject({ ready: 0, reserved: 0 });
      // Acking again, even an outdated receipt, changes nothing.
      expect(ids(await broker.reserve([q1], { max: 5, leaseMs: LONG_LEASE, ack: first }))).toEqual(
        [],
      );
      expect(await broker.ack(next)).toBe(1);
    },
  },
  {
    title: 'ack with an outdated receipt removes nothing',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a')]);
      const [old] = await broker.reserve([q], { max: 1, leaseMs: 50 });
      await pause(120);
      const [current] = await reserveNow(broker, [q]);
      expect(current?.id).toBe('a');
      expect(await broker.ack([old as Delivery])).toBe(0);
      expect(await broker.stats(q)).toMatchObject({ reserved: 1 });
      expect(await broker.ack([current as Delivery])).toBe(1);
    },
  },
  {
    title: 'an expired lease re-delivers the message',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a')]);
      const [first] = await broker.reserve([q], { max: 1, leaseMs: 80 });
      expect(await reserveNow(broker, [q])).toEqual([]);
      await pause(160);
      const [again, ...rest] = await reserveNow(broker, [q]);
      expect(rest).toEqual([]);
      expect(again).toMatchObject({ id: 'a', deliveryCount: 2 });
      expect(again?.receipt).not.toBe(first?.receipt);
      const stale = first as Delivery;
      expect(await broker.ack([stale])).toBe(0);
      expect(await broker.extendLease([stale], LONG_LEASE)).toBe(0);
      expect(await broker.nack(stale, { retryAt: Date.now() })).toBe(false);
      expect(await broker.ack([again as Delivery])).toBe(1);
    },
  },
  {
    title: 'extendLease keeps the message reserved past its first lease',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a'), message(q, 'b')]);
      const taken = await broker.reserve([q], { max: 2, leaseMs: 150 });
      expect(await broker.extendLease(taken, LONG_LEASE)).toBe(2);
      await pause(300);
      expect(await reserveNow(broker, [q])).toEqual([]);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 2 });
      expect(await broker.ack(taken)).toBe(2);
    },
  },
  {
    title: 'concurrent reserves never hand out a message twice',
    async run({ broker, queue, another }) {
      const q = queue();
      const total = 300;
      const sent = Array.from({ length: total }, (_, i) => message(q, `m${i}`));
      await broker.enqueue(sent);
      const other = await another();
      const drain = async (client: typeof broker) => {
        const got: Delivery[] = [];
        for (;;) {
          const batch = await reserveNow(client, [q], 7);
          if (batch.length === 0) return got;
          got.push(...batch);
        }
      };
      const results = await Promise.all([drain(broker), drain(other), drain(broker), drain(other)]);
      const all = results.flat();
      expect(all).toHaveLength(total);
      expect(new Set(ids(all)).size).toBe(total);
      expect(await broker.ack(all)).toBe(total);
    },
  },
  {
    title: 'empty calls are harmless',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([]);
      expect(await broker.reserve([], { max: 10, leaseMs: LONG_LEASE })).toEqual([]);
      expect(await reserveNow(broker, [q])).toEqual([]);
      expect(await broker.ack([])).toBe(0);
      expect(await broker.extendLease([], LONG_LEASE)).toBe(0);
      expect(await broker.stats(q)).toEqual({
        queue: q,
        ready: 0,
        reserved: 0,
        delayed: 0,
        dead: 0,
      });
    },
  },
];
