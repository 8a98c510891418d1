import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Broker, createApp, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { redisUrl, requireRedisReason } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

// Every byte of a queued entry is paid once per task queued (a million queued tasks: a
// million times over). A field added to every message shows up here as a failing number.
// The figures hold while ids are UUIDs.

/**
 * Bytes of the stored entry per representative send, by broker. SQLite's body column holds the
 * encoded envelope in its positional form, `["entry.size",[]]` (17 bytes; the id is a column of
 * its own, and the send time is read from the UUIDv7 id); a Redis entry is the same body behind
 * a 17-byte header (a tag byte holding the priority, then the id's 16 raw bytes). `{ i: 123456 }`
 * adds its 12 bytes, a countdown its eta as a field (35), a priority its field (15).
 */
const EXPECTED = {
  redis: { none: 34, small: 46, countdown: 69, priority: 49 },
  sqlite: { none: 17, small: 29, countdown: 52, priority: 32 },
};

type Send = keyof (typeof EXPECTED)['redis'];

/** Sends the four representative tasks, one per queue, so each entry can be read alone. */
async function sendRepresentatives(broker: Broker): Promise<Record<Send, string>> {
  const app = createApp({ broker, logLevel: 'silent' }, {});
  const task = app.task('entry.size', (_ctx, ..._args: unknown[]) => undefined);
  // Names of one length: the body names its queue, so the sizes differ by the send alone.
  const queues: Record<Send, string> = {
    none: 'size-a',
    small: 'size-b',
    countdown: 'size-c',
    priority: 'size-d',
  };
  await task.applyAsync([], { queue: queues.none });
  await task.applyAsync([{ i: 123456 }], { queue: queues.small });
  await task.applyAsync([], { queue: queues.countdown, countdown: '1h' });
  await task.applyAsync([], { queue: queues.priority, priority: 5 });
  return queues;
}

const REDIS_SKIP = requireRedisReason();

describe.skipIf(REDIS_SKIP !== undefined)('the size of a queued entry on Redis', () => {
  const prefix = `celeriac-size-${randomUUID().slice(0, 8)}`;
  afterAll(() => deleteRedisPrefix(prefix));

  it('is the figure each representative send stores', async () => {
    const broker = new RedisBroker({ url: redisUrl, prefix });
    const queues = await sendRepresentatives(broker);
    await broker.close();
    const redis = new Redis(redisUrl);
    try {
      const ready = async (queue: string, priority = 0) =>
        redis.lrangeBuffer(`${prefix}:{${queue}}:p${priority}`, 0, -1);
      const delayed = await redis.zrangeBuffer(`${prefix}:{${queues.countdown}}:delayed`, 0, -1);
      const sizes = {
        none: (await ready(queues.none)).map((e) => e.byteLength),
        small: (await ready(queues.small)).map((e) => e.byteLength),
        countdown: delayed.map((e) => e.byteLength),
        priority: (await ready(queues.priority, 5)).map((e) => e.byteLength),
      };
      expect(sizes).toEqual({
        none: [EXPECTED.redis.none],
        small: [EXPECTED.redis.small],
        countdown: [EXPECTED.redis.countdown],
        priority: [EXPECTED.redis.priority],
      });
    } finally {
      redis.disconnect();
    }
  });
});
if (REDIS_SKIP !== undefined)
  process.stderr.write(`skipping the Redis entry size: ${REDIS_SKIP}\n`);

describe('the size of a queued entry on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the figure each representative send stores (the body column)', async () => {
    const path = join(dir, 'broker.db');
    const broker = new SqliteBroker({ path });
    const queues = await sendRepresentatives(broker);
    await broker.close();
    const db = new Database(path, { readonly: true });
    try {
      const size = (queue: string) =>
        (
          db.prepare('SELECT length(body) AS n FROM messages WHERE queue = ?').all(queue) as {
            n: number;
          }[]
        ).map((row) => row.n);
      const sizes = {
        none: size(queues.none),
        small: size(queues.small),
        countdown: size(queues.countdown),
        priority: size(queues.priority),
      };
      expect(sizes).toEqual({
        none: [EXPECTED.sqlite.none],
        small: [EXPECTED.sqlite.small],
        countdown: [EXPECTED.sqlite.countdown],
        priority: [EXPECTED.sqlite.priority],
      });
    } finally {
      db.close();
    }
  });
});
