import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { packEntry, unpackDeadLetter } from '../../src/brokers/redis/entry.ts';
import { QueueKeys } from '../../src/brokers/redis/queue-keys.ts';
import { type App, createApp, RedisBroker } from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

/** Number fields that `tonumber` (or `Number`) takes and the entry grammar refuses. */
const HOSTILE = ['1.5', 'nan', 'inf', '-inf', '0x1f', ' 3', '1e2', '-1', '+1', '', 'x', '1e999'];
const VALID = 600;
const MALFORMED_PER_SHAPE = 12;
const RANDOM_MALFORMED = 150;

/** An entry whose delivery count (field 1) or id length (field 2) is a hostile token. */
function withField(entry: Buffer, field: 1 | 2, token: string): Buffer {
  const parts = entry.toString('latin1').split('|');
  parts[field] = token;
  return Buffer.from(parts.join('|'), 'latin1');
}

/** Entries no reader may accept: hostile header fields, and random bytes without a priority. */
function malformedEntries(): Buffer[] {
  const out: Buffer[] = [];
  for (const token of HOSTILE) {
    for (let i = 0; i < MALFORMED_PER_SHAPE; i++) {
      const base = packEntry(i % 10, i, `bad-${token}-${i}`, Buffer.from(`{"i":${i}}`));
      out.push(withField(base, 1, token), withField(base, 2, token));
    }
  }
  // Random tails after a first byte that is not a digit: never a priority.
  const garbage = fc.tuple(
    fc.constantFrom(...'abz|.- {'),
    fc.uint8Array({ minLength: 0, maxLength: 30 }),
  );
  for (const [first, tail] of fc.sample(garbage, { numRuns: RANDOM_MALFORMED, seed: 15 })) {
    out.push(Buffer.concat([Buffer.from(first, 'latin1'), tail]));
  }
  // Distinct, as the delayed set keeps one copy of equal members.
  return [...new Map(out.map((entry) => [entry.toString('latin1'), entry])).values()];
}

const admin = redisAvailable ? new Redis(redisUrl) : undefined;
afterAll(() => admin?.disconnect());

describe.skipIf(!redisAvailable)('malformed Redis entries', () => {
  const prefix = `celeriac-malformed-${randomUUID().slice(0, 8)}`;
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    await deleteRedisPrefix(prefix);
  });

  it('a worker runs every valid entry once and dead-letters every malformed one; none stays held', async () => {
    const redis = admin as Redis;
    app = createApp({
      broker: new RedisBroker({ url: redisUrl, prefix, pollIntervalMs: 50 }),
      logLevel: 'silent',
    });
    const runs = new Map<number, number>();
    const probe = app.task('probe', (_ctx, n: number) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
    });
    await probe.delayMany(Array.from({ length: VALID }, (_, n) => [n] as [number]));
    const keys = new QueueKeys(prefix, 'default');
    const valid = await redis.lrangeBuffer(keys.ready[0] as string, 0, -1);
    expect(valid).toHaveLength(VALID);
    await redis.del(keys.ready[0] as string);

    // Mixed through every place a reader parses entries: ready lists, the delayed set (due),
    // and the held hash under leases that already ran out (a worker that died).
    const malformed = malformedEntries();
    const all = [...valid, ...malformed];
    const order = fc.sample(
      fc.shuffledSubarray(
        all.map((_, i) => i),
        { minLength: all.length },
      ),
      {
        numRuns: 1,
        seed: 15,
      },
    )[0] as number[];
    for (const [k, index] of order.entries()) {
      const entry = all[index] as Buffer;
      if (k % 3 === 0) await redis.rpush(keys.ready[k % 10] as string, entry);
      else if (k % 3 === 1) await redis.zadd(keys.delayed, k, entry);
      else {
        await redis.hset(keys.held, `dead-worker.${k}`, entry);
        await redis.zadd(keys.leases, k, `dead-worker.${k}`);
      }
    }

    const worker = app.worker({ concurrency: 8, lease: '1s', pollTimeout: 200 });
    await worker.start();
    const settled = async () => {
      const stats = await app?.broker.stats('default');
      return runs.size === VALID && stats?.ready === 0 && stats.delayed === 0 && !stats.reserved;
    };
    for (let waited = 0; waited < 200 && !(await settled()); waited++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await worker.stop();

    expect([...runs.keys()].sort((a, b) => a - b)).toEqual([...Array(VALID).keys()]);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(await redis.hlen(keys.held)).toBe(0);
    expect(await redis.zcard(keys.leases)).toBe(0);
    expect(await app.broker.stats('default')).toMatchObject({ ready: 0, reserved: 0, delayed: 0 });
    const letters = (await redis.lrangeBuffer(keys.dead, 0, -1)).map((b) => unpackDeadLetter(b));
    for (const letter of letters) expect(letter?.reason).toMatch(/^corrupted entry under .*: .+/);
    const deadValues = letters.map((l) => l?.value.toString('latin1')).sort();
    expect(deadValues).toEqual(malformed.map((m) => m.toString('latin1')).sort());
  }, 60_000);
});
