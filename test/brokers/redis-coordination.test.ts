import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { Inbox, pollUntil } from '../../src/testing/control-waits.ts';
import { coordinationConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';
import { redisPair } from '../support/store-pairs.ts';

describe.skipIf(!redisAvailable)('redis', () => {
  // The second peer's quick heartbeat notices a silenced subscriber soon (see the rebuild case).
  const { peers, prefix } = redisPair({ second: { heartbeatMs: 100 } });
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl);
  });
  afterAll(() => admin.disconnect());

  coordinationConformance('redis', peers);

  describe('slots', () => {
    it('keeps one hash-tagged zset per key, expiring with its last hold', async () => {
      const [broker] = peers();
      await broker.slots.acquire('user:7', 2, 'a', 60_000);
      const key = `${prefix}:{slot:user:7}`;
      expect(await admin.zrange(key, 0, -1)).toEqual(['a']);
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await broker.slots.release('user:7', 'a');
      expect(await admin.exists(key)).toBe(0);
    });
  });

  describe('beat', () => {
    it('keeps every key of a group under one hash tag', async () => {
      const [broker] = peers();
      await broker.beat.lead('tagged', 'a', 60_000);
      await broker.beat.claimTick('tagged', 'e', 1);
      await broker.beat.putEntry('tagged', { name: 'e', spec: '{}', updatedAt: 1 });
      const keys = await admin.keys(`${prefix}:*tagged*`);
      expect(keys.sort()).toEqual(
        ['entries', 'lease', 'ticks', 'version'].map((k) => `${prefix}:{beat:tagged}:${k}`),
      );
    });
  });

  describe('broadcast', () => {
    it('shares the wake-up subscriber connection, and survives its rebuild', async () => {
      const [first, second] = peers();
      const inbox = new Inbox();
      const unsubscribe = await second.broadcast.subscribe('rebuilt', inbox.listener);
      const subscriber = second.subscriber;
      expect(subscriber).toBeDefined();
      await second.reserve(['some-queue'], { max: 1, leaseMs: 1_000, waitMs: 1 });
      expect(second.subscriber).toBe(subscriber);
      // Silence the subscription behind the client's back, as a lost resubscribe would.
      await subscriber?.connection?.unsubscribe();
      // Messages are lost until the rebuilt connection has subscribed again: keep publishing.
      await pollUntil(async () => {
        await first.broadcast.publish('rebuilt', 'after the rebuild');
        return inbox.received.length > 0;
      }, 'a message after the rebuild');
      expect(inbox.received[0]).toBe('after the rebuild');
      expect(subscriber?.rebuilds).toBeGreaterThanOrEqual(1);
      await unsubscribe();
    });

    it('close() ends subscriptions; a later subscription connects afresh', async () => {
      const [first] = peers();
      const broker = new RedisBroker({ url: redisUrl, prefix });
      const before = new Inbox();
      await broker.broadcast.subscribe('closing', before.listener);
      await broker.close();
      expect(broker.subscriber).toBeUndefined();
      const after = new Inbox();
      const unsubscribe = await broker.broadcast.subscribe('closing', after.listener);
      await first.broadcast.publish('closing', 'after close');
      expect(await after.until(1)).toEqual(['after close']);
      expect(before.received).toEqual([]);
      await unsubscribe();
      await broker.close();
    });
  });

  describe('revokes', () => {
    it('keeps one hash-tagged zset that expires with its last revoke', async () => {
      // A prefix of its own: the conformance cases' revokes would set the zset's expiry.
      const own = `${prefix}-own`;
      const broker = new RedisBroker({ url: redisUrl, prefix: own });
      try {
        await broker.revokes.revoke(['later'], 600_000);
        await broker.revokes.revoke(['sooner'], 60_000);
        expect(await admin.keys(`${own}:*`)).toEqual([`${own}:{control}:revoked`]);
        const ttl = await admin.pttl(`${own}:{control}:revoked`);
        expect(ttl).toBeGreaterThan(60_000);
        expect(ttl).toBeLessThanOrEqual(600_000);
      } finally {
        await broker.close();
        await deleteRedisPrefix(own);
      }
    });
  });

  describe('workers', () => {
    it('keeps both keys under the hash tag {control}, expiring with the last live worker', async () => {
      const [first] = peers();
      await first.workers.heartbeat(
        {
          name: 'tagged@host',
          hostname: 'host',
          pid: 1,
          queues: ['default'],
          concurrency: 1,
          active: 0,
          processed: 0,
          pool: 'threads',
          startedAt: 1,
          heartbeatAt: 2,
        },
        600_000,
      );
      const keys = (await admin.keys(`${prefix}:*workers*`)).sort();
      expect(keys).toEqual([`${prefix}:{control}:workers`, `${prefix}:{control}:workers:expiry`]);
      for (const key of keys) {
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(600_000);
      }
    });
  });
});
