import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker } from '../../../src/brokers/redis/redis-broker.ts';
import { createApp } from '../../../src/index.ts';
import { redisServerBinary } from '../../support/redis-available.ts';
import { type RedisClusterHandle, startRedisCluster } from '../../support/redis-servers.ts';

/** Starting three nodes and forming a cluster takes a few seconds; stopping them, up to 5 s each. */
const CLUSTER_HOOK_TIMEOUT_MS = 90_000;

/** Queues whose hash tags fall on different nodes of three masters. */
const QUEUES = ['emails', 'images', 'billing'] as const;

describe.skipIf(!redisServerBinary)('unique tasks on a redis cluster', () => {
  let cluster: RedisClusterHandle;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  }, CLUSTER_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.stop();
  }, CLUSTER_HOOK_TIMEOUT_MS);

  it('claims, deduplicates and releases per queue, each queue on its own slot', async () => {
    const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
    const app = createApp(
      { broker: new RedisBroker({ url: cluster.url, prefix }), logLevel: 'silent' },
      {},
    );
    try {
      const ping = app.task(
        'ping',
        { unique: { key: (n: number) => String(n), ttl: '1h' } },
        (_ctx, n: number) => n,
      );
      const first = await Promise.all(QUEUES.map((queue) => ping.applyAsync([1], { queue })));
      const again = await Promise.all(QUEUES.map((queue) => ping.applyAsync([1], { queue })));
      expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
      expect(new Set(first.map((r) => r.id)).size).toBe(QUEUES.length);
      const batch = await ping.delayMany([[2], [3], [2]], { queue: 'emails' });
      expect(batch[2]?.id).toBe(batch[0]?.id);
      for (const queue of QUEUES) {
        expect((await app.broker.stats(queue)).ready).toBe(queue === 'emails' ? 3 : 1);
      }
      const worker = app.worker({ queues: [...QUEUES], pollTimeout: 200 });
      let done = 0;
      const allDone = new Promise<void>((resolve) => {
        worker.events.on('task:succeeded', () => {
          if (++done === QUEUES.length + 2) resolve();
        });
      });
      await worker.start();
      await allDone;
      await worker.stop(); // the claims are released once each attempt has settled
      const after = await Promise.all(QUEUES.map((queue) => ping.applyAsync([1], { queue })));
      for (const [i, result] of after.entries()) expect(result.id).not.toBe(first[i]?.id);
    } finally {
      await app.close();
    }
  });
});
