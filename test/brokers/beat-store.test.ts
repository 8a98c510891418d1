import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBroker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { beatStoreConformance } from '../../src/testing/index.ts';
import { startGatedChild } from '../support/gated-child.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

beatStoreConformance('memory', () => new MemoryBroker().beat);

const CLAIMER = fileURLToPath(new URL('./fixtures/sqlite-beat-claims.ts', import.meta.url));

/** Starts a claimer process; `ready` settles once it has opened the file, `done` with its ticks. */
function startClaimer(path: string, group: string, entry: string, count: number) {
  return startGatedChild<number[]>(CLAIMER, [path, group, entry, String(count)], 'claimer');
}

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-'));
  const path = join(dir, 'broker.db');
  const broker = new SqliteBroker({ path });
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beatStoreConformance('sqlite', () => broker.beat);

  it('two connections to one file: exactly one leads, and both see the entries', async () => {
    const other = new SqliteBroker({ path });
    try {
      const led = await Promise.all([
        broker.beat.lead('shared', 'a', 60_000),
        other.beat.lead('shared', 'b', 60_000),
      ]);
      expect(led.filter(Boolean)).toHaveLength(1);
      await broker.beat.putEntry('shared', { name: 'e', spec: '{}', updatedAt: 1 });
      expect((await other.beat.entries('shared')).entries).toEqual([
        { name: 'e', spec: '{}', updatedAt: 1 },
      ]);
    } finally {
      await other.close();
    }
  });

  it('keeps working after the broker closes and reopens its file', async () => {
    await broker.close();
    expect(await broker.beat.claimTick('reopened', 'e', 1)).toBe(true);
  });

  it('4 processes claiming the same 100 ticks: each tick is claimed exactly once', async () => {
    const claimers = Array.from({ length: 4 }, () => startClaimer(path, 'procs', 'e', 100));
    await Promise.all(claimers.map((c) => c.ready));
    for (const c of claimers) c.go();
    const won = (await Promise.all(claimers.map((c) => c.done))).flat();
    expect(won.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  }, 60_000);
});

describe.skipIf(!redisAvailable)('redis', () => {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const broker = new RedisBroker({ url: redisUrl, prefix });
  afterAll(async () => {
    await broker.close();
    await deleteRedisPrefix(prefix);
  });
  beatStoreConformance('redis', () => broker.beat);

  it('keeps every key of a group under one hash tag', async () => {
    await broker.beat.lead('tagged', 'a', 60_000);
    await broker.beat.claimTick('tagged', 'e', 1);
    await broker.beat.putEntry('tagged', { name: 'e', spec: '{}', updatedAt: 1 });
    const admin = new Redis(redisUrl);
    try {
      const keys = await admin.keys(`${prefix}:*tagged*`);
      expect(keys.sort()).toEqual(
        ['entries', 'lease', 'ticks', 'version'].map((k) => `${prefix}:{beat:tagged}:${k}`),
      );
    } finally {
      admin.disconnect();
    }
  });
});
