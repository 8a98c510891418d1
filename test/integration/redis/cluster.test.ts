import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisBroker } from '../../../src/brokers/redis/redis-broker.ts';
import { type App, createApp, type Worker } from '../../../src/index.ts';
import {
  broadcastConformance,
  brokerConformance,
  revokeStoreConformance,
  workerRegistryConformance,
} from '../../../src/testing/index.ts';
import { redisServerBinary } from '../../support/redis-available.ts';
import { type RedisClusterHandle, startRedisCluster } from '../../support/redis-servers.ts';

/** Starting three nodes and forming a cluster takes a few seconds; stopping them, up to 5 s each. */
const CLUSTER_HOOK_TIMEOUT_MS = 90_000;

/**
 * Three queues whose hash tags fall in different thirds of the slots, so on three masters each
 * lives on its own node (the test checks that at least two nodes own them).
 */
const QUEUES = ['emails', 'images', 'billing'] as const;
const TASKS_PER_QUEUE = 100;

describe.skipIf(!redisServerBinary)('redis cluster', () => {
  let cluster: RedisClusterHandle;
  let admin: Cluster;
  let prefix: string;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    admin = new Cluster(cluster.nodes, { lazyConnect: true });
    await admin.connect();
  }, CLUSTER_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    admin?.disconnect();
    // Stopping the cluster deletes every key of every test with it.
    await cluster?.stop();
  }, CLUSTER_HOOK_TIMEOUT_MS);

  beforeEach(() => {
    prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  });

  brokerConformance('redis cluster', () => new RedisBroker({ url: cluster.url, prefix }));

  describe('events and control stores', () => {
    // Two brokers on one prefix stand for two processes; made on first use, once the cluster runs.
    let peers: [RedisBroker, RedisBroker] | undefined;
    const brokers = () => {
      const shared = `celeriac-test-${randomUUID().slice(0, 8)}`;
      peers ??= [0, 1].map(() => new RedisBroker({ url: cluster.url, prefix: shared })) as [
        RedisBroker,
        RedisBroker,
      ];
      return peers;
    };
    afterAll(async () => {
      await Promise.all((peers ?? []).map((broker) => broker.close()));
    });
    broadcastConformance('redis cluster', () => [brokers()[0].broadcast, brokers()[1].broadcast]);

    it("keeps the order of a fresh broker's first burst of broadcasts", async () => {
      // A cold client refused commands while a node connection opened and retried them on
      // other nodes: redirected, 200 scripts to one slot arrived out of order every time.
      const shared = `celeriac-test-${randomUUID().slice(0, 8)}`;
      const [publisher, listener] = [0, 1].map(
        () => new RedisBroker({ url: cluster.url, prefix: shared }),
      ) as [RedisBroker, RedisBroker];
      try {
        const got: string[] = [];
        await listener.broadcast.subscribe('burst', (payload) => got.push(payload));
        const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
        await Promise.all(sent.map((payload) => publisher.broadcast.publish('burst', payload)));
        const deadline = Date.now() + 10_000;
        while (got.length < sent.length && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(got).toEqual(sent);
      } finally {
        await Promise.all([publisher.close(), listener.close()]);
      }
    });
    revokeStoreConformance('redis cluster', () => [brokers()[0].revokes, brokers()[1].revokes]);
    workerRegistryConformance('redis cluster', () => [brokers()[0].workers, brokers()[1].workers]);
  });

  describe('an app routing to three queues on different nodes', () => {
    let app: App | undefined;
    let worker: Worker | undefined;

    afterEach(async () => {
      await worker?.stopNow();
      await app?.close();
      worker = undefined;
      app = undefined;
    });

    /** Host:port of the master that serves a slot. */
    async function ownerOf(slot: number): Promise<string> {
      const ranges = await admin.cluster('SLOTS');
      const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
      if (!master) throw new Error(`no node serves slot ${slot}`);
      return `${master[0]}:${master[1]}`;
    }

    it('one worker consuming all three queues runs 300 tasks, each exactly once', async () => {
      const owners = new Map<string, string>();
      for (const queue of QUEUES) {
        const slot = Number(await admin.cluster('KEYSLOT', `${prefix}:{${queue}}`));
        owners.set(queue, await ownerOf(slot));
      }
      expect(new Set(owners.values()).size).toBeGreaterThanOrEqual(2);

      const made = createApp({
        broker: `${cluster.url}?prefix=${prefix}`,
        routes: Object.fromEntries(QUEUES.map((q) => [`${q}.*`, q])),
        logLevel: 'silent',
      });
      app = made;
      const runs = new Map<string, string[]>();
      const record = (queue: string, id: string) => {
        runs.set(id, [...(runs.get(id) ?? []), queue]);
      };
      const tasks = QUEUES.map((q) =>
        made.task(`${q}.work`, (ctx, n: number) => {
          record(ctx.queue, ctx.id);
          return n;
        }),
      );

      const expected = new Map<string, string>();
      for (let i = 0; i < TASKS_PER_QUEUE; i++) {
        for (const [index, task] of tasks.entries()) {
          const result = await task.delay(i);
          expected.set(result.id, QUEUES[index] as string);
        }
      }
      expect(expected.size).toBe(QUEUES.length * TASKS_PER_QUEUE);
      for (const queue of QUEUES) {
        expect(await made.broker.stats(queue)).toMatchObject({ ready: TASKS_PER_QUEUE });
      }
      // The keys of each queue live on the node that owns its slot.
      for (const queue of QUEUES) {
        const node = admin
          .nodes('master')
          .find((n) => `${n.options.host}:${n.options.port}` === owners.get(queue));
        expect(await node?.exists(`${prefix}:{${queue}}:p0`)).toBe(1);
      }

      worker = made.worker({ queues: [...QUEUES], concurrency: 20, pollTimeout: 200 });
      await worker.start();
      const deadline = Date.now() + 30_000;
      while (runs.size < expected.size && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await worker.stop();

      expect(runs.size).toBe(expected.size);
      for (const [id, queue] of expected) expect(runs.get(id)).toEqual([queue]);
      for (const queue of QUEUES) {
        expect(await made.broker.stats(queue)).toEqual({
          queue,
          ready: 0,
          reserved: 0,
          delayed: 0,
          dead: 0,
        });
      }
      expect(await made.broker.queues()).toEqual([...QUEUES].sort());
    });
  });
});
