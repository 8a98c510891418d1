import { expect } from 'vitest';
import type { Delivery } from '../../brokers/contract/index.ts';
import { type BrokerCase, bytes, ids, LONG_LEASE, message, reserveNow, text } from './case.ts';

/** Delayed delivery, retries and waiting for messages. Assertions are on counts, not timings. */
export const timingCases: BrokerCase[] = [
  {
    title: 'a delayed message is delivered once, when due',
    async run({ broker, queue }) {
      const q = queue();
      const availableAt = Date.now() + 300;
      await broker.enqueue([message(q, 'later', { availableAt })]);
      expect(await reserveNow(broker, [q])).toEqual([]);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, delayed: 1 });
      const got = await broker.reserve([q], { max: 10, leaseMs: LONG_LEASE, waitMs: 5_000 });
      expect(ids(got)).toEqual(['later']);
      expect(Date.now()).toBeGreaterThanOrEqual(availableAt);
      expect(got[0]?.deliveryCount).toBe(1);
      const more = await broker.reserve([q], { max: 10, leaseMs: LONG_LEASE, waitMs: 400 });
      expect(more).toEqual([]);
      expect(await broker.ack(got)).toBe(1);
    },
  },
  {
    title: 'a past availableAt makes a message ready at once',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'now', { availableAt: Date.now() - 1_000 })]);
      expect(await broker.stats(q)).toMatchObject({ ready: 1, delayed: 0 });
      expect(ids(await reserveNow(broker, [q]))).toEqual(['now']);
    },
  },
  {
    title: 'nack with a future retryAt delays the message and replaces the body',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a', { priority: 4 })]);
      const [d] = await reserveNow(broker, [q]);
      const retryAt = Date.now() + 200;
      expect(await broker.nack(d as Delivery, { retryAt, body: bytes('second try') })).toBe(true);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 0, delayed: 1 });
      expect(await reserveNow(broker, [q])).toEqual([]);
      const got = await broker.reserve([q], { max: 10, leaseMs: LONG_LEASE, waitMs: 5_000 });
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ id: 'a', priority: 4, deliveryCount: 2 });
      expect(text(got[0]?.body ?? new Uint8Array())).toBe('second try');
      expect(await reserveNow(broker, [q])).toEqual([]);
      expect(await broker.nack(d as Delivery, { retryAt })).toBe(false);
    },
  },
  {
    title: 'nack with a past retryAt makes the message ready at once',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a')]);
      const [d] = await reserveNow(broker, [q]);
      expect(await broker.nack(d as Delivery, { retryAt: Date.now() - 1 })).toBe(true);
      const [again] = await reserveNow(broker, [q]);
      expect(again).toMatchObject({ id: 'a', deliveryCount: 2 });
      expect(text(again?.body ?? new Uint8Array())).toBe('body-a');
    },
  },
  {
    title: 'reserve waits for a message enqueued meanwhile',
    async run({ broker, queue }) {
      const q = queue();
      const waiting = broker.reserve([q], { max: 10, leaseMs: LONG_LEASE, waitMs: 10_000 });
      const timer = setTimeout(() => void broker.enqueue([message(q, 'late')]), 50);
      try {
        expect(ids(await waiting)).toEqual(['late']);
      } finally {
        clearTimeout(timer);
      }
    },
  },
  {
    title: 'reserve returns [] when the wait ends',
    async run({ broker, queue }) {
      const q = queue();
      expect(await broker.reserve([q], { max: 10, leaseMs: LONG_LEASE, waitMs: 150 })).toEqual([]);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 0 });
    },
  },
  {
    title: 'an abort signal ends the wait',
    async run({ broker, queue }) {
      const q = queue();
      const controller = new AbortController();
      const options = { max: 10, leaseMs: LONG_LEASE, waitMs: 60_000, signal: controller.signal };
      const waiting = broker.reserve([q], options);
      setTimeout(() => controller.abort(), 50);
      expect(await waiting).toEqual([]);
      // An already aborted signal returns at once instead of waiting.
      expect(await broker.reserve([q], options)).toEqual([]);
    },
  },
];
