import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBroker } from '../../src/index.ts';
import { slotStoreConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
const admin = redisAvailable ? new Redis(redisUrl) : undefined;
const broker = new RedisBroker({ url: redisUrl, prefix });

describe.skipIf(!redisAvailable)('redis slot store', () => {
  afterAll(async () => {
    await broker.close();
    const keys = (await admin?.keys(`${prefix}:*`)) ?? [];
    if (keys.length > 0) await admin?.del(...keys);
    admin?.disconnect();
  });

  slotStoreConformance('redis', () => broker.slots);

  it('keeps one hash-tagged zset per key, expiring with its last hold', async () => {
    await broker.slots.acquire('user:7', 2, 'a', 60_000);
    const key = `${prefix}:{slot:user:7}`;
    expect(await admin?.zrange(key, 0, -1)).toEqual(['a']);
    const ttl = (await admin?.pttl(key)) ?? 0;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await broker.slots.release('user:7', 'a');
    expect(await admin?.exists(key)).toBe(0);
  });
});
