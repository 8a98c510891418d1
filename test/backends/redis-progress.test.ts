import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressKey } from '../../src/backends/redis/chunk-progress.ts';
import { RedisBackend } from '../../src/backends/redis/redis-backend.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

const PREFIX = `celeriac-test-${randomUUID().slice(0, 8)}`;
/** Under CI a missing server fails the suite (redis-available throws); elsewhere it skips. */
const skip = !redisAvailable && process.env.CI !== 'true';

describe.skipIf(skip)('RedisBackend progress', () => {
  let admin: Redis;
  let backend: RedisBackend;

  beforeAll(() => {
    admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    backend = new RedisBackend({ url: redisUrl, prefix: PREFIX });
  });

  afterAll(async () => {
    await backend.close();
    const keys = await admin.keys(`${PREFIX}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('keeps a run in one hash-tagged key with the TTL as PX, or none for ttl 0', async () => {
    const progress = { step: 1, cursor: 7, processed: 7, done: false, updatedAt: 1 };
    expect(await backend.commitProgress('chunked:a:1', 0, progress, 60_000)).toBe(true);
    expect(await backend.commitProgress('chunked:a:2', 0, progress, 0)).toBe(true);
    const key = progressKey(PREFIX, 'chunked:a:1');
    expect(key).toBe(`${PREFIX}:progress:{chunked:a:1}`);
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await admin.pttl(progressKey(PREFIX, 'chunked:a:2'))).toBe(-1);
    expect(await admin.hget(key, 'step')).toBe('1');
  });

  it('lets exactly one of two connections commit the same step', async () => {
    const other = new RedisBackend({ url: redisUrl, prefix: PREFIX });
    const key = `chunked:b:${randomUUID()}`;
    const at = (step: number) => ({
      step,
      cursor: step,
      processed: step,
      done: false,
      updatedAt: 1,
    });
    for (let step = 0; step < 20; step++) {
      const outcomes = await Promise.all([
        backend.commitProgress(key, step, at(step + 1), 60_000),
        other.commitProgress(key, step, at(step + 1), 60_000),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    expect((await other.readProgress(key))?.step).toBe(20);
    await other.close();
  });
});
