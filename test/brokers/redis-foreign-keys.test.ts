import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/brokers/contract/index.ts';
import { packEntry, unpackDeadLetter, unpackEntry } from '../../src/brokers/redis/entry.ts';
import { SCRIPTS } from '../../src/brokers/redis/lua-script.ts';
import { QueueKeys } from '../../src/brokers/redis/queue-keys.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { formatTable } from '../../src/cli/commands/status.ts';
import type { RedisClient } from '../../src/redis/redis-connection.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

// A foreign or corrupted value of the wrong type under a queue key must never make a script
// fail after it took a message out of another key: Redis keeps the writes done before the
// error, so the message would be gone. Each case puts a string under one key and checks that
// every message is still delivered, stored or dead-lettered, with a note on the key set aside.

const admin = redisAvailable ? new Redis(redisUrl) : undefined;
afterAll(() => admin?.disconnect());
const FOREIGN = 'somebody else';
const body = (text: string) => Buffer.from(text);
const NOTE = /^a foreign value of the wrong type was under (\S+); moved to (\S+:corrupt:\d+)$/;

describe.skipIf(!redisAvailable)('Redis scripts with a foreign key of the wrong type', () => {
  const prefix = `celeriac-foreign-${randomUUID().slice(0, 8)}`;
  const keys = new QueueKeys(prefix, 'q');
  const opened: RedisBroker[] = [];
  const redis = admin as Redis;
  const client = redis as unknown as RedisClient;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
    await deleteRedisPrefix(prefix);
  });

  function open(): RedisBroker {
    const broker = new RedisBroker({ url: redisUrl, prefix });
    opened.push(broker);
    return broker;
  }

  async function deadLetters(): Promise<Array<{ reason: string; value: string }>> {
    const raw = await redis.lrangeBuffer(keys.dead, 0, -1);
    return raw.map((b) => {
      const letter = unpackDeadLetter(b);
      return { reason: letter?.reason ?? '?', value: letter?.value.toString() ?? '?' };
    });
  }

  /** Checks the one note on `key`, and that the foreign value is kept under the name it gives. */
  async function expectSetAside(key: string): Promise<void> {
    const notes = (await deadLetters()).filter((l) => NOTE.test(l.reason));
    expect(notes.map((n) => NOTE.exec(n.reason)?.[1])).toEqual([key]);
    const aside = NOTE.exec(notes[0]?.reason ?? '')?.[2] as string;
    expect(await redis.get(aside)).toBe(FOREIGN);
  }

  async function enqueueTen(broker: RedisBroker): Promise<string[]> {
    const ids = Array.from({ length: 10 }, (_, i) => `m${i}`);
    await broker.enqueue(ids.map((id) => ({ id, queue: 'q', body: body(id) })));
    return ids;
  }

  for (const which of ['held', 'leases', 'delayed'] as const) {
    it(`reserve delivers every ready message when the ${which} key holds a string`, async () => {
      const broker = open();
      const ids = await enqueueTen(broker);
      await redis.set(keys[which], FOREIGN);

      const got = await broker.reserve(['q'], { max: 20, leaseMs: 60_000 });

      expect(got.map((d) => d.id)).toEqual(ids);
      expect(await broker.ack(got)).toBe(10);
      expect(await redis.llen(keys.ready[0] as string)).toBe(0);
      await expectSetAside(keys[which]);
    });
  }

  it('reserve dead-letters a corrupted entry when the dead key holds a string, losing no message', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    await redis.rpush(keys.ready[0] as string, 'not an entry');
    await broker.enqueue([{ id: 'b', queue: 'q', body: body('b') }]);
    await redis.set(keys.dead, FOREIGN);

    const got = await broker.reserve(['q'], { max: 10, leaseMs: 60_000 });

    expect(got.map((d) => d.id)).toEqual(['a', 'b']);
    const letters = await deadLetters();
    expect(letters.map((l) => l.value)).toEqual(['', 'not an entry']);
    expect(letters[1]?.reason).toBe(
      `corrupted entry under a Celeriac key ${keys.ready[0]}: priority is not one digit 0-9 followed by |`,
    );
    await expectSetAside(keys.dead);
  });

  it('reserve acks finished messages when the held key holds a string', async () => {
    const broker = open();
    await enqueueTen(broker);
    const first = await broker.reserve(['q'], { max: 4, leaseMs: 60_000 });
    await redis.del(keys.held);
    await redis.set(keys.held, FOREIGN);

    const rest = await broker.reserve(['q'], { max: 20, leaseMs: 60_000, ack: first });

    expect(rest.map((d) => d.id)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(await redis.zcard(keys.leases)).toBe(6);
    await expectSetAside(keys.held);
  });

  it('a retry to a future time lands in the delayed set when the delayed key holds a string', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    const [held] = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    await redis.set(keys.delayed, FOREIGN);

    expect(await broker.nack(held as Delivery, { retryAt: Date.now() + 3_600_000 })).toBe(true);

    const delayed = await broker.listDelayed('q', 10);
    expect(delayed.map((m) => m.id)).toEqual(['a']);
    await expectSetAside(keys.delayed);
  });

  it('a retry due now lands in its ready list when that list holds a string', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('a'), priority: 3 }]);
    const [held] = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    await redis.set(keys.ready[3] as string, FOREIGN);

    expect(await broker.nack(held as Delivery, { retryAt: 0 })).toBe(true);

    const again = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    expect(again.map((d) => [d.id, d.deliveryCount])).toEqual([['a', 2]]);
    await expectSetAside(keys.ready[3] as string);
  });

  it('dead-lettering keeps the message when the dead key holds a string', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    const [held] = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    await redis.set(keys.dead, FOREIGN);

    const done = await broker.nack(held as Delivery, { deadLetter: true, reason: 'gave up' });

    expect(done).toBe(true);
    const letters = await broker.listDeadLetters({ queue: 'q' });
    expect(letters.filter((l) => l.id === 'a').map((l) => l.reason)).toEqual(['gave up']);
    await expectSetAside(keys.dead);
  });

  it('recovering expired leases returns each message when its ready list holds a string', async () => {
    await redis.hset(keys.held, 'r.1', packEntry(0, 1, 'a', body('a')));
    await redis.zadd(keys.leases, 1000, 'r.1');
    await redis.set(keys.ready[0] as string, FOREIGN);

    const [recovered] = (await SCRIPTS.recoverLeases.run(
      client,
      [...keys.ready, keys.held, keys.leases, keys.dead],
      [100],
    )) as [number];

    expect(recovered).toBe(1);
    const ready = await redis.lrangeBuffer(keys.ready[0] as string, 0, -1);
    expect(ready.map((e) => unpackEntry(e)?.id)).toEqual(['a']);
    expect(await redis.hlen(keys.held)).toBe(0);
    await expectSetAside(keys.ready[0] as string);
  });

  it('promoting due messages moves each one when its ready list holds a string', async () => {
    await redis.zadd(keys.delayed, 1000, packEntry(0, 0, 'a', body('a')));
    await redis.zadd(keys.delayed, 1001, packEntry(0, 0, 'b', body('b')));
    await redis.set(keys.ready[0] as string, FOREIGN);

    const [moved] = (await SCRIPTS.promoteDue.run(
      client,
      [...keys.ready, keys.delayed, keys.dead],
      [100],
    )) as [number];

    expect(moved).toBe(2);
    const ready = await redis.lrangeBuffer(keys.ready[0] as string, 0, -1);
    expect(ready.map((e) => unpackEntry(e)?.id)).toEqual(['a', 'b']);
    expect(await redis.zcard(keys.delayed)).toBe(0);
    await expectSetAside(keys.ready[0] as string);
  });

  it('requeueing dead letters moves each one when its ready list holds a string', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    const [held] = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    await broker.nack(held as Delivery, { deadLetter: true, reason: 'gave up' });
    await redis.set(keys.ready[0] as string, FOREIGN);

    expect(await broker.requeueDeadLetters(['a'])).toBe(1);

    const again = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    expect(again.map((d) => [d.id, d.deliveryCount])).toEqual([['a', 1]]);
    await expectSetAside(keys.ready[0] as string);
  });

  it('publish stores a whole batch when the delayed key holds a string, never a part of it', async () => {
    const broker = open();
    await redis.set(keys.delayed, FOREIGN);

    await broker.enqueue([
      { id: 'now', queue: 'q', body: body('now') },
      { id: 'later', queue: 'q', body: body('later'), availableAt: Date.now() + 3_600_000 },
    ]);

    expect(await broker.stats('q')).toMatchObject({ ready: 1, delayed: 1 });
    await expectSetAside(keys.delayed);
  });

  it('a unique publish stores its message with its claim when the ready list holds a string', async () => {
    const broker = open();
    await redis.set(keys.ready[0] as string, FOREIGN);
    const message = { id: 'u1', queue: 'q', body: body('u1') };

    const outcome = await broker.uniques.enqueueUnique([{ message, key: 'k', ttlMs: 60_000 }]);

    expect(outcome).toEqual([{ id: 'u1', created: true }]);
    const got = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    expect(got.map((d) => d.id)).toEqual(['u1']);
    await expectSetAside(keys.ready[0] as string);
  });

  it('stats reports the other counts and names a key of the wrong type', async () => {
    const broker = open();
    await enqueueTen(broker);
    await redis.set(keys.held, FOREIGN);

    const stats = await broker.stats('q');

    const problem = `${keys.held} holds a string, not a hash: not counted`;
    expect(stats).toEqual({
      queue: 'q',
      ready: 10,
      reserved: 0,
      delayed: 0,
      dead: 0,
      problems: [problem],
    });
    expect(formatTable([stats]).split('\n').slice(1)).toEqual([
      'q         10         0        0     0',
      `queue q: ${problem}`,
      '',
    ]);
  });
});
