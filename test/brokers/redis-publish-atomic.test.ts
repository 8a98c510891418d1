import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/brokers/contract/index.ts';
import { QueueKeys } from '../../src/brokers/redis/queue-keys.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { redisAvailable, redisServerBinary, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';
import { type RedisServerHandle, startRedisServer } from '../support/redis-servers.ts';

// One enqueue() is one batch: a reader must never see part of it, and a failure must leave
// none of it stored (a caller that retries a rejected batch would otherwise run its first
// messages twice). Batches here are far above any chunk a publish might be cut into.

const SIZE = 5000;

function batch(queues: string[], size: number, bodyBytes = 16): OutgoingMessage[] {
  const body = Buffer.alloc(bodyBytes, 'x');
  return Array.from({ length: size }, (_, i) => ({
    id: randomUUID(),
    queue: queues[i % queues.length] as string,
    body,
  }));
}

/**
 * Reads the summed length of `lists` in one MULTI (one moment of the server) as fast as it can
 * while `publish` runs, then once more after it settled; returns every count read.
 */
async function watchLengths(
  reader: Redis,
  lists: string[],
  publish: Promise<void>,
): Promise<number[]> {
  let settled = false;
  const done = publish.finally(() => {
    settled = true;
  });
  const read = async () => {
    const multi = reader.multi();
    for (const list of lists) multi.llen(list);
    const replies = (await multi.exec()) ?? [];
    return replies.reduce((sum, [, n]) => sum + Number(n), 0);
  };
  const seen: number[] = [];
  while (!settled) seen.push(await read());
  await done;
  seen.push(await read());
  return seen;
}

describe.skipIf(!redisAvailable)('Redis enqueue is seen whole', () => {
  const prefix = `celeriac-atomic-${randomUUID().slice(0, 8)}`;
  const reader = redisAvailable ? new Redis(redisUrl) : undefined;
  const broker = new RedisBroker({ url: redisUrl, prefix });
  afterEach(() => deleteRedisPrefix(prefix));
  afterAll(async () => {
    await broker.close();
    reader?.disconnect();
  });

  it.each([
    { what: 'one queue', queues: ['q'] },
    { what: 'two queues on one server', queues: ['a', 'b'] },
  ])(
    'a reader polling the ready lists of $what sees 0 or all of a batch of 5,000',
    async ({ queues }) => {
      await broker.connect();
      const lists = queues.map((q) => new QueueKeys(prefix, q).ready[0] as string);
      const seen = await watchLengths(reader as Redis, lists, broker.enqueue(batch(queues, SIZE)));
      expect(seen.at(-1)).toBe(SIZE);
      expect(seen.filter((n) => n !== 0 && n !== SIZE)).toEqual([]);
    },
  );

  it('a reader polling the ready list sees 0 or all of a batch of 5,000 unique messages', async () => {
    await broker.connect();
    const claims = batch(['q'], SIZE).map((message, i) => ({
      message,
      key: `k${i}`,
      ttlMs: 60_000,
    }));
    const list = new QueueKeys(prefix, 'q').ready[0] as string;
    const sends = broker.uniques.enqueueUnique(claims);
    const seen = await watchLengths(
      reader as Redis,
      [list],
      sends.then(() => undefined),
    );
    expect((await sends).filter((s) => s.created)).toHaveLength(SIZE);
    expect(seen.at(-1)).toBe(SIZE);
    expect(seen.filter((n) => n !== 0 && n !== SIZE)).toEqual([]);
  });
});

describe.skipIf(!redisServerBinary)('Redis enqueue refused part way', () => {
  // A server of its own: its maxmemory leaves room for a fraction of the batch, so Redis
  // refuses the writes (OOM) that come after that fraction is stored.
  const MARGIN = 2 * 1024 * 1024;
  const BODY = 1024;
  let server: RedisServerHandle;
  let admin: Redis;
  let broker: RedisBroker;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
    admin = new Redis(server.url);
    broker = new RedisBroker({ url: server.url, prefix: 'oom' });
    await broker.connect();
  });
  afterAll(async () => {
    await broker?.close();
    admin?.disconnect();
    await server?.stop();
  });
  afterEach(async () => {
    await admin.config('SET', 'maxmemory', '0');
    await admin.flushall();
  });

  async function storedCount(queues: string[]): Promise<number> {
    const counts = await Promise.all(queues.map((q) => broker.stats(q)));
    return counts.reduce((sum, s) => sum + s.ready, 0);
  }

  // Two queues: the first part (0.5 MB) fits, the second does not.
  it.each([
    { what: 'one queue', parts: [{ queue: 'q', size: SIZE }] },
    {
      what: 'two queues on one server',
      parts: [
        { queue: 'a', size: 500 },
        { queue: 'b', size: SIZE - 500 },
      ],
    },
  ])('a batch of 5 MB with room for 2 MB stores none of it ($what)', async ({ parts }) => {
    const queues = parts.map((p) => p.queue);
    // Indexed before the limit is set: the queue index is not part of the batch.
    await Promise.all(queues.map((q) => broker.enqueue(batch([q], 1))));
    await Promise.all(queues.map((q) => broker.purge(q)));
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory', String(used + MARGIN));
    const messages = parts.flatMap((p) => batch([p.queue], p.size, BODY));
    const outcome = await broker.enqueue(messages).then(
      () => 'stored',
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/OOM/);
    await admin.config('SET', 'maxmemory', '0');
    expect(await storedCount(queues)).toBe(0);
  });
});
