import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chordKeys } from '../../src/backends/redis/chord-join.ts';
import { RedisBackend } from '../../src/backends/redis/redis-backend.ts';
import { registerChordTests } from '../../src/testing/backend-cases/chord-cases.ts';
import { redisServerBinary } from '../support/redis-available.ts';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-servers.ts';

/** Starting three nodes and forming a cluster takes a few seconds; stopping them, up to 5 s each. */
const CLUSTER_HOOK_TIMEOUT_MS = 90_000;

/** In CI a missing redis-server binary must fail these tests rather than skip them. */
const skip = !redisServerBinary && process.env.CI !== 'true';

describe.skipIf(skip)('RedisBackend chords on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let admin: Cluster;
  let backend: RedisBackend;
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

  beforeEach(async () => {
    prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
    backend = new RedisBackend({ url: cluster.url, prefix });
    await backend.connect();
  });

  afterEach(async () => {
    await backend.close();
  });

  registerChordTests(() => backend);

  it('runs chords whose keys live on different nodes', async () => {
    const chordIds = Array.from({ length: 12 }, () => `chord-${randomUUID()}`);
    const slots = await Promise.all(
      chordIds.map(async (chordId) => {
        const [stateKey, valuesKey] = chordKeys(prefix, chordId);
        const slot = Number(await admin.cluster('KEYSLOT', stateKey));
        expect(Number(await admin.cluster('KEYSLOT', valuesKey))).toBe(slot);
        return slot;
      }),
    );
    // Three masters own a third of the slots each; twelve random ids all on one is ~1e-5.
    const thirds = new Set(slots.map((slot) => Math.floor(slot / (16_384 / 3))));
    expect(thirds.size).toBeGreaterThanOrEqual(2);
    for (const chordId of chordIds) {
      await backend.joinChord(chordId, 2, 1, { ok: true, value: chordId }, 60_000);
      expect(await backend.joinChord(chordId, 2, 0, { ok: true, value: 0 }, 60_000)).toEqual({
        kind: 'complete',
        values: [0, chordId],
      });
    }
  });
});
