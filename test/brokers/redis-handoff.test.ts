import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waiterMember } from '../../src/brokers/redis/handoff.ts';
import { QueueKeys } from '../../src/brokers/redis/queue-keys.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const admin = redisAvailable ? new Redis(redisUrl) : undefined;
afterAll(() => admin?.disconnect());

/** Resolves once `check` holds, looking every 10 ms; fails after 5 s with `what`. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The Redis server's time in ms, the clock registrations lapse on. */
async function serverMs(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe.skipIf(!redisAvailable)('Redis hand-off to a waiting reserve', () => {
  const prefix = `celeriac-handoff-${randomUUID().slice(0, 8)}`;
  const keys = new QueueKeys(prefix, 'q');
  const brokers: RedisBroker[] = [];
  const redis = admin as Redis;

  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    await deleteRedisPrefix(prefix);
  });

  async function broker(pollIntervalMs = 1000): Promise<RedisBroker> {
    const made = new RedisBroker({ url: redisUrl, prefix, pollIntervalMs });
    brokers.push(made);
    await made.connect();
    return made;
  }

  const message = (id: string) => ({ id, queue: 'q', body: Buffer.from(`{"n":"${id}"}`) });
  const registered = () => redis.zcard(keys.waiters);

  it('leases the message to the waiting reserve inside the send, and the reserve returns it', async () => {
    const consumer = await broker();
    const producer = await broker();
    const waiting = consumer.reserve(['q'], { max: 1, leaseMs: 30_000, waitMs: 5000 });
    await until('the reserve registered', async () => (await registered()) === 1);

    await producer.enqueue([message('m1')]);
    // Held and leased by the send itself: no reserve of the worker's came between.
    expect(await redis.llen(keys.ready[0] as string)).toBe(0);
    expect(await redis.zcard(keys.leases)).toBe(1);
    expect(await registered()).toBe(0);

    const got = await waiting;
    expect(got.map((d) => [d.id, d.deliveryCount, Buffer.from(d.body).toString()])).toEqual([
      ['m1', 1, '{"n":"m1"}'],
    ]);
    expect(await consumer.ack(got)).toBe(1);
    expect(await consumer.stats('q')).toMatchObject({ ready: 0, reserved: 0 });
  });

  it('hands a waiter no more messages than it asked for, the first ones, and queues the rest', async () => {
    const consumer = await broker();
    const producer = await broker();
    const waiting = consumer.reserve(['q'], { max: 1, leaseMs: 30_000, waitMs: 5000 });
    await until('the reserve registered', async () => (await registered()) === 1);

    await producer.enqueue([message('a'), message('b'), message('c')]);
    expect(await redis.zcard(keys.leases)).toBe(1);
    expect((await waiting).map((d) => d.id)).toEqual(['a']);
    const rest = await consumer.reserve(['q'], { max: 10, leaseMs: 30_000 });
    expect(rest.map((d) => d.id)).toEqual(['b', 'c']);
  });

  it('delivers a hand-off whose published copy never arrived through the reserve that ends the wait, once', async () => {
    const consumer = await broker(200);
    const producer = await broker();
    const waiting = consumer.reserve(['q'], { max: 1, leaseMs: 30_000, waitMs: 3000 });
    await until('the reserve registered', async () => (await registered()) === 1);
    // The subscriber reads nothing more: the hand-off's message waits in its socket.
    const connection = consumer.subscriber?.connection;
    if (!connection) throw new Error('the consumer has no subscriber connection');
    const socket = (connection as unknown as { stream: NodeJS.ReadableStream }).stream;
    socket.pause();

    await producer.enqueue([message('lost')]);
    const got = await waiting;
    expect(got.map((d) => [d.id, d.deliveryCount])).toEqual([['lost', 1]]);

    socket.resume();
    // The late copy is dropped: nothing more comes, and only the one message is held.
    expect(await consumer.reserve(['q'], { max: 1, leaseMs: 30_000, waitMs: 400 })).toEqual([]);
    expect(await redis.hlen(keys.held)).toBe(1);
    expect(await consumer.ack(got)).toBe(1);
    expect(await redis.hlen(keys.held)).toBe(0);
  });

  it('leaves no registration behind when the wait ends, so a later send queues', async () => {
    const consumer = await broker();
    const producer = await broker();
    const aborted = new AbortController();
    const waiting = consumer.reserve(['q'], {
      max: 1,
      leaseMs: 30_000,
      waitMs: 5000,
      signal: aborted.signal,
    });
    await until('the reserve registered', async () => (await registered()) === 1);
    aborted.abort();
    expect(await waiting).toEqual([]);
    expect(await registered()).toBe(0);

    expect(await consumer.reserve(['q'], { max: 1, leaseMs: 30_000, waitMs: 300 })).toEqual([]);
    expect(await registered()).toBe(0);

    await producer.enqueue([message('later')]);
    expect(await redis.llen(keys.ready[0] as string)).toBe(1);
  });

  it('does not register a reserve that waits on several queues', async () => {
    const consumer = await broker();
    const other = new QueueKeys(prefix, 'other');
    const waiting = consumer.reserve(['q', 'other'], { max: 1, leaseMs: 30_000, waitMs: 400 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([await registered(), await redis.zcard(other.waiters)]).toEqual([0, 0]);
    expect(await waiting).toEqual([]);
  });

  it('skips a lapsed registration, and takes back what a dead waiter was handed when its lease ends', async () => {
    const producer = await broker();
    const now = await serverMs(redis);
    await redis.zadd(keys.waiters, now - 1, waiterMember(1, 60_000, `${prefix}:nobody`, 'old.1.'));
    await producer.enqueue([message('queued')]);
    expect(await redis.llen(keys.ready[0] as string)).toBe(1);
    expect(await registered()).toBe(0);
    expect((await producer.reserve(['q'], { max: 1, leaseMs: 30_000 })).map((d) => d.id)).toEqual([
      'queued',
    ]);

    // A waiter that died while registered (nobody reads its channel) is handed the next send.
    await redis.zadd(
      keys.waiters,
      now + 60_000,
      waiterMember(1, 300, `${prefix}:nobody`, 'dead.1.'),
    );
    await producer.enqueue([message('handed')]);
    expect(await redis.hexists(keys.held, 'dead.1.1')).toBe(1);
    const consumer = await broker(100);
    const again = await consumer.reserve(['q'], { max: 1, leaseMs: 30_000, waitMs: 3000 });
    expect(again.map((d) => [d.id, d.deliveryCount])).toEqual([['handed', 2]]);
  });

  it('sets a foreign value under the waiters key aside and still stores the send', async () => {
    const producer = await broker();
    await redis.set(keys.waiters, 'not a zset');
    await producer.enqueue([message('kept')]);
    expect(await redis.llen(keys.ready[0] as string)).toBe(1);
    const letters = await producer.listDeadLetters({ queue: 'q', limit: 10 });
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringMatching(
        new RegExp(`^a foreign value of the wrong type was under ${keys.waiters}; moved to `),
      ),
    ]);
  });
});
