import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBroker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { workerRegistryConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const memory = new MemoryBroker();
workerRegistryConformance('memory', () => [memory.workers, memory.workers]);

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-workers-'));
  const path = join(dir, 'broker.db');
  const [first, second] = [new SqliteBroker({ path }), new SqliteBroker({ path })];
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  workerRegistryConformance('sqlite', () => [first.workers, second.workers]);
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
  workerRegistryConformance('redis', () => [first.workers, second.workers]);

  it('keeps both keys under the hash tag {control}, expiring with the last live worker', async () => {
    const admin = new Redis(redisUrl);
    try {
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
    } finally {
      admin.disconnect();
    }
  });
});
