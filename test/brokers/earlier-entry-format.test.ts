import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type App, type ClusterEvent, createApp, SqliteBroker } from '../../src/index.ts';
import { redisUrl, requireRedisReason } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

// A rolling deploy leaves messages of the previous release queued when the new workers start.
// Until 0.2 every Redis entry had the long header `<priority>|<deliveries>|u|<16 id bytes>` and
// every body was an object carrying `sentAt`; these are those bytes, written as that release did.
const QUEUED_FOR = 60_000;

/** The body an earlier release stored for `resize({ w: 640 })`, sent a minute ago. */
function earlierBody(): Buffer {
  const sentAt = Date.now() - QUEUED_FOR;
  return Buffer.from(`{"task":"images.resize","args":[{"w":640}],"sentAt":${sentAt}}`);
}

interface Seen {
  args: unknown[];
  started: { id: string; queuedMs: number | undefined }[];
}

/** Runs a worker until both the earlier message and a new one ran; returns what it saw. */
async function consume(broker: string): Promise<Seen> {
  const app: App = createApp({ broker, logLevel: 'silent', defaultQueue: 'deploy' }, {});
  const seen: Seen = { args: [], started: [] };
  app.events.on('task:started', (event: ClusterEvent) => {
    if (event.type === 'task:started')
      seen.started.push({ id: event.id, queuedMs: event.queuedMs });
  });
  const resize = app.task('images.resize', (_ctx, size: { w: number }) => {
    seen.args.push(size);
  });
  await resize.delay({ w: 320 });
  const worker = app.worker({ concurrency: 1 });
  await worker.start();
  try {
    const deadline = Date.now() + 10_000;
    while (seen.started.length < 2 || seen.args.length < 2) {
      if (Date.now() > deadline) throw new Error(`ran so far: ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await worker.stop();
    await app.close();
  }
  return seen;
}

/** The earlier message ran first (it was queued first), with its time in queue from `sentAt`. */
function expectBothRan(seen: Seen, earlierId: string): void {
  expect(seen.args).toEqual([{ w: 640 }, { w: 320 }]);
  expect(seen.started.map((s) => s.id)[0]).toBe(earlierId);
  expect(seen.started[0]?.queuedMs).toBeGreaterThanOrEqual(QUEUED_FOR);
  expect(seen.started[1]?.queuedMs).toBeLessThan(QUEUED_FOR);
}

const REDIS_SKIP = requireRedisReason();

describe.skipIf(REDIS_SKIP !== undefined)('an entry an earlier release queued on Redis', () => {
  const prefix = `celeriac-deploy-${randomUUID().slice(0, 8)}`;
  afterAll(() => deleteRedisPrefix(prefix));

  it('is consumed by this release beside a new one', async () => {
    const id = randomUUID();
    const header = Buffer.concat([
      Buffer.from('0|0|u|'),
      Buffer.from(id.replaceAll('-', ''), 'hex'),
    ]);
    const redis = new Redis(redisUrl);
    try {
      await redis.rpush(`${prefix}:{deploy}:p0`, Buffer.concat([header, earlierBody()]));
    } finally {
      redis.disconnect();
    }
    const seen = await consume(`${redisUrl}?prefix=${prefix}`);
    expectBothRan(seen, id);
  });
});
if (REDIS_SKIP !== undefined)
  process.stderr.write(`skipping the earlier Redis entry format: ${REDIS_SKIP}\n`);

describe('a row an earlier release queued on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-deploy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is consumed by this release beside a new one', async () => {
    const path = join(dir, 'broker.db');
    // The broker creates the schema; the row is then written as the earlier release wrote it.
    const schema = new SqliteBroker({ path });
    await schema.connect();
    await schema.close();
    const id = randomUUID();
    const db = new Database(path);
    try {
      const now = Date.now();
      db.prepare(
        `INSERT INTO messages (id, queue, priority, state, available_at, body, enqueued_at)
         VALUES (?, 'deploy', 0, 0, ?, ?, ?)`,
      ).run(id, now - QUEUED_FOR, earlierBody(), now - QUEUED_FOR);
    } finally {
      db.close();
    }
    const seen = await consume(`sqlite://${path}`);
    expectBothRan(seen, id);
  });
});
