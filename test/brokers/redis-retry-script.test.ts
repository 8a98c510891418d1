import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { packEntry, unpackDeadLetter } from '../../src/brokers/redis/entry.ts';
import { SCRIPTS } from '../../src/brokers/redis/lua-script.ts';
import { QueueKeys } from '../../src/brokers/redis/queue-keys.ts';
import type { RedisClient } from '../../src/redis/redis-connection.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const admin = redisAvailable ? new Redis(redisUrl) : undefined;
afterAll(() => admin?.disconnect());

describe.skipIf(!redisAvailable)('retry.lua', () => {
  const prefix = `celeriac-retry-${randomUUID().slice(0, 8)}`;
  afterEach(() => deleteRedisPrefix(prefix));

  it('dead-letters a new entry it cannot read, instead of dropping the held message', async () => {
    const redis = admin as Redis;
    const keys = new QueueKeys(prefix, 'q');
    await redis.hset(keys.held, 'r.1', packEntry(0, 1, 'm', Buffer.from('{}')));
    await redis.zadd(keys.leases, Date.now() + 60_000, 'r.1');

    const done = await SCRIPTS.retry.run(
      redis as unknown as RedisClient,
      [...keys.ready, keys.delayed, keys.held, keys.leases, keys.dead],
      ['r.1', 0, '0|1.5|1|m{}', keys.wakeChannel],
    );

    expect(Number(done)).toBe(1);
    expect(await redis.hlen(keys.held)).toBe(0);
    expect(await redis.zcard(keys.leases)).toBe(0);
    const letters = (await redis.lrangeBuffer(keys.dead, 0, -1)).map((b) => unpackDeadLetter(b));
    expect(letters.map((l) => [l?.reason, l?.value.toString()])).toEqual([
      [
        'corrupted entry given to retry: delivery count is not 1 to 9 digits followed by |',
        '0|1.5|1|m{}',
      ],
    ]);
  });
});
