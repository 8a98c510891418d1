import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBroker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { revokeStoreConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const memory = new MemoryBroker();
revokeStoreConformance('memory', () => [memory.revokes, memory.revokes]);

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-revokes-'));
  const path = join(dir, 'broker.db');
  const [first, second] = [new SqliteBroker({ path }), new SqliteBroker({ path })];
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  revokeStoreConformance('sqlite', () => [first.revokes, second.revokes]);

  it('keeps working after the broker closes and reopens its file', async () => {
    await first.revokes.revoke(['reopened'], 60_000);
    await first.close();
    expect(await first.revokes.whichRevoked(['reopened'])).toEqual(new Set(['reopened']));
  });
});

describe.skipIf(!redisAvailable)('redis', () => {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const [first, second] = [
    new RedisBroker({ url: redisUrl, prefix }),
    new RedisBroker({ url: redisUrl, prefix }),
  ];
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await deleteRedisPrefix(prefix);
  });
  revokeStoreConformance('redis', () => [first.revokes, second.revokes]);

  it('keeps one hash-tagged zset that expires with its last revoke', async () => {
    const own = `${prefix}-own`;
    const broker = new RedisBroker({ url: redisUrl, prefix: own });
    const admin = new Redis(redisUrl);
    try {
      await broker.revokes.revoke(['later'], 600_000);
      await broker.revokes.revoke(['sooner'], 60_000);
      expect(await admin.keys(`${own}:*`)).toEqual([`${own}:{control}:revoked`]);
      const ttl = await admin.pttl(`${own}:{control}:revoked`);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(600_000);
    } finally {
      admin.disconnect();
      await broker.close();
      await deleteRedisPrefix(own);
    }
  });
});
