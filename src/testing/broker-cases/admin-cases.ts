import { expect } from 'vitest';
import type { Broker, Delivery } from '../../brokers/contract/index.ts';
import { type BrokerCase, bytes, ids, message, reserveNow, text } from './case.ts';

/** Enqueues one message per id and dead-letters each with reason `reason-<id>`. */
async function deadLetter(broker: Broker, queue: string, ...messageIds: string[]): Promise<void> {
  await broker.enqueue(messageIds.map((id) => message(queue, id)));
  for (const d of await reserveNow(broker, [queue])) {
    expect(await broker.nack(d, { deadLetter: true, reason: `reason-${d.id}` })).toBe(true);
  }
}

/** Dead letters, stats, purge and queue listing. */
export const adminCases: BrokerCase[] = [
  {
    title: 'nack to the dead-letter queue keeps reason and body',
    async run({ broker, queue }) {
      const q = queue();
      await broker.enqueue([message(q, 'a'), message(q, 'b')]);
      const [a, b] = (await reserveNow(broker, [q])) as [Delivery, Delivery];
      expect(await broker.nack(a, { deadLetter: true, reason: 'boom' })).toBe(true);
      const body = bytes('failure detail');
      expect(await broker.nack(b, { deadLetter: true, reason: 'bad', body })).toBe(true);
      expect(await broker.nack(a, { deadLetter: true, reason: 'again' })).toBe(false);
      const dead = await broker.listDeadLetters({ queue: q });
      expect(dead.map((d) => [d.id, d.queue, d.reason, text(d.body)])).toEqual([
        ['a', q, 'boom', 'body-a'],
        ['b', q, 'bad', 'failure detail'],
      ]);
      expect(typeof dead[0]?.failedAt).toBe('number');
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 2 });
      expect(await reserveNow(broker, [q])).toEqual([]);
    },
  },
  {
    title: 'listDelayed lists delayed messages soonest first, with bodies and due times',
    async run({ broker, queue }) {
      if (!broker.listDelayed) return;
      const q = queue();
      const now = Date.now();
      await broker.enqueue([
        message(q, 'late', { availableAt: now + 90_000 }),
        message(q, 'ready'),
        message(q, 'soon', { availableAt: now + 60_000 }),
        message(q, 'later', { availableAt: now + 75_000 }),
      ]);
      const listed = await broker.listDelayed(q, 2);
      expect(listed.map((m) => [m.id, m.queue, text(m.body), m.availableAt])).toEqual([
        ['soon', q, 'body-soon', now + 60_000],
        ['later', q, 'body-later', now + 75_000],
      ]);
      expect(ids(await broker.listDelayed(q, 10))).toEqual(['soon', 'later', 'late']);
      expect(await broker.listDelayed(queue('empty'), 10)).toEqual([]);
    },
  },
  {
    title: 'listDeadLetters pages oldest first',
    async run({ broker, queue }) {
      const q = queue();
      await deadLetter(broker, q, 'a', 'b', 'c', 'd');
      expect(ids(await broker.listDeadLetters({ queue: q, limit: 2 }))).toEqual(['a', 'b']);
      expect(ids(await broker.listDeadLetters({ queue: q, limit: 2, offset: 2 }))).toEqual([
        'c',
        'd',
      ]);
    },
  },
  {
    title: 'requeueDeadLetters returns dead letters to their queue',
    async run({ broker, queue }) {
      const q = queue();
      await deadLetter(broker, q, 'a', 'b');
      expect(await broker.requeueDeadLetters(['b'])).toBe(1);
      expect(await broker.stats(q)).toMatchObject({ ready: 1, dead: 1 });
      const [b] = await reserveNow(broker, [q]);
      expect(b).toMatchObject({ id: 'b', deliveryCount: 1 });
      expect(text(b?.body ?? new Uint8Array())).toBe('body-b');
      // Without ids every dead letter is requeued; on a shared server that may include others'.
      expect(await broker.requeueDeadLetters()).toBeGreaterThanOrEqual(1);
      expect(ids(await reserveNow(broker, [q]))).toEqual(['a']);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 2, dead: 0 });
    },
  },
  {
    title: 'purgeDeadLetters deletes one queue or all',
    async run({ broker, queue }) {
      const [q1, q2] = [queue('one'), queue('two')];
      await deadLetter(broker, q1, 'a', 'b');
      await deadLetter(broker, q2, 'c');
      expect(await broker.purgeDeadLetters(q1)).toBe(2);
      expect(await broker.stats(q1)).toMatchObject({ dead: 0 });
      expect(await broker.stats(q2)).toMatchObject({ dead: 1 });
      expect(await broker.purgeDeadLetters()).toBeGreaterThanOrEqual(1);
      expect(await broker.listDeadLetters({ queue: q2 })).toEqual([]);
    },
  },
  {
    title: 'stats counts ready, reserved, delayed and dead',
    async run({ broker, queue }) {
      const q = queue();
      const later = Date.now() + 60_000;
      await broker.enqueue([message(q, 'a'), message(q, 'b'), message(q, 'c')]);
      await broker.enqueue([message(q, 'd', { availableAt: later })]);
      const [, b] = (await reserveNow(broker, [q], 2)) as [Delivery, Delivery];
      await broker.nack(b, { deadLetter: true, reason: 'x' });
      expect(await broker.stats(q)).toEqual({
        queue: q,
        ready: 1,
        reserved: 1,
        delayed: 1,
        dead: 1,
      });
    },
  },
  {
    title: 'purge removes ready and delayed messages, not reserved ones',
    async run({ broker, queue }) {
      const [q, other] = [queue('purged'), queue('kept')];
      await broker.enqueue([message(q, 'a'), message(q, 'b'), message(other, 'o')]);
      await broker.enqueue([message(q, 'c', { availableAt: Date.now() + 60_000 })]);
      const taken = await reserveNow(broker, [q], 1);
      expect(await broker.purge(q)).toBe(2);
      expect(await broker.stats(q)).toMatchObject({ ready: 0, reserved: 1, delayed: 0 });
      expect(await broker.stats(other)).toMatchObject({ ready: 1 });
      expect(await broker.ack(taken)).toBe(1);
    },
  },
  {
    title: 'queues lists queues with messages or dead letters',
    async run({ broker, queue }) {
      const [a, b, c] = [queue('a'), queue('b'), queue('c')];
      await broker.enqueue([
        message(b, 'x'),
        message(a, 'y', { availableAt: Date.now() + 60_000 }),
      ]);
      await deadLetter(broker, c, 'z');
      const ours = (await broker.queues()).filter((name) => [a, b, c].includes(name));
      expect(ours).toEqual([a, b, c]);
    },
  },
];
