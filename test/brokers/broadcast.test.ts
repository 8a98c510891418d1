import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteBroadcast } from '../../src/brokers/sqlite/sqlite-broadcast.ts';
import { MemoryBroker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { Inbox, pollUntil } from '../../src/testing/control-waits.ts';
import { broadcastConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const memory = new MemoryBroker();
broadcastConformance('memory', () => [memory.broadcast, memory.broadcast]);

const ECHO = fileURLToPath(new URL('./fixtures/sqlite-broadcast-echo.ts', import.meta.url));

/** Starts an echo process; `ready` settles once it subscribed, `exited` with its exit code. */
function startEcho(path: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', ECHO, path, String(count)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
    exited.then((code) => reject(new Error(`echo process exited (${code}) before it was ready`)));
  });
  return { ready, exited };
}

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-broadcast-'));
  const path = join(dir, 'broker.db');
  const options = { path, broadcastPollIntervalMs: 10 };
  const [first, second] = [new SqliteBroker(options), new SqliteBroker(options)];
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  broadcastConformance('sqlite', () => [first.broadcast, second.broadcast]);

  it('another process hears what this one publishes, and answers in order', async () => {
    const count = 100;
    const pongs = new Inbox();
    const unsubscribe = await first.broadcast.subscribe('pong', pongs.listener);
    try {
      const echo = startEcho(path, count);
      await echo.ready;
      const pings = Array.from({ length: count }, (_, i) => `ping ${i}`);
      for (const ping of pings) await second.broadcast.publish('ping', ping);
      expect(await pongs.until(count)).toEqual(pings.map((p) => `echo:${p}`));
      // The echo process ends on its own once its broker is closed: nothing keeps it alive.
      expect(await echo.exited).toBe(0);
    } finally {
      await unsubscribe();
    }
  }, 60_000);

  it('a publish trims messages older than a minute', async () => {
    await first.connect();
    const db = new Database(path);
    try {
      const insert = db.prepare(
        'INSERT INTO broadcasts (channel, payload, created_at) VALUES (?, ?, ?)',
      );
      insert.run('old', 'stale', Date.now() - 120_000);
      // A fresh broker trims on its first publish.
      const trimmer = new SqliteBroker({ path });
      await trimmer.broadcast.publish('new', 'fresh');
      await trimmer.close();
      const rows = db
        .prepare('SELECT channel FROM broadcasts WHERE channel IN (?, ?)')
        .all('old', 'new');
      expect(rows).toEqual([{ channel: 'new' }]);
    } finally {
      db.close();
    }
  });

  it('polls only while a subscription lasts', async () => {
    const broker = new SqliteBroker(options);
    const polling = () => (broker.broadcast as SqliteBroadcast).polling;
    expect(polling()).toBe(false);
    const unsubscribeA = await broker.broadcast.subscribe('a', () => {});
    const unsubscribeB = await broker.broadcast.subscribe('b', () => {});
    expect(polling()).toBe(true);
    await unsubscribeA();
    expect(polling()).toBe(true);
    await unsubscribeB();
    expect(polling()).toBe(false);
    await broker.broadcast.subscribe('a', () => {});
    expect(polling()).toBe(true);
    await broker.close();
    expect(polling()).toBe(false);
  });

  it('close() ends subscriptions; a later subscription starts afresh', async () => {
    const broker = new SqliteBroker(options);
    const before = new Inbox();
    await broker.broadcast.subscribe('closing', before.listener);
    await broker.close();
    const after = new Inbox();
    const unsubscribe = await broker.broadcast.subscribe('closing', after.listener);
    await first.broadcast.publish('closing', 'after close');
    expect(await after.until(1)).toEqual(['after close']);
    expect(before.received).toEqual([]);
    await unsubscribe();
    await broker.close();
  });
});

describe.skipIf(!redisAvailable)('redis', () => {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const [first, second] = [
    new RedisBroker({ url: redisUrl, prefix }),
    new RedisBroker({ url: redisUrl, prefix, heartbeatMs: 100 }),
  ];
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await deleteRedisPrefix(prefix);
  });
  broadcastConformance('redis', () => [first.broadcast, second.broadcast]);

  it('shares the wake-up subscriber connection, and survives its rebuild', async () => {
    const inbox = new Inbox();
    const unsubscribe = await second.broadcast.subscribe('rebuilt', inbox.listener);
    const subscriber = second.subscriber;
    expect(subscriber).toBeDefined();
    await second.reserve(['some-queue'], { max: 1, leaseMs: 1_000, waitMs: 1 });
    expect(second.subscriber).toBe(subscriber);
    // Silence the subscription behind the client's back, as a lost resubscribe would.
    await subscriber?.connection?.unsubscribe();
    // Messages are lost until the rebuilt connection has subscribed again: keep publishing.
    await pollUntil(async () => {
      await first.broadcast.publish('rebuilt', 'after the rebuild');
      return inbox.received.length > 0;
    }, 'a message after the rebuild');
    expect(inbox.received[0]).toBe('after the rebuild');
    expect(subscriber?.rebuilds).toBeGreaterThanOrEqual(1);
    await unsubscribe();
  });

  it('close() ends subscriptions; a later subscription connects afresh', async () => {
    const broker = new RedisBroker({ url: redisUrl, prefix });
    const before = new Inbox();
    await broker.broadcast.subscribe('closing', before.listener);
    await broker.close();
    expect(broker.subscriber).toBeUndefined();
    const after = new Inbox();
    const unsubscribe = await broker.broadcast.subscribe('closing', after.listener);
    await first.broadcast.publish('closing', 'after close');
    expect(await after.until(1)).toEqual(['after close']);
    expect(before.received).toEqual([]);
    await unsubscribe();
    await broker.close();
  });
});
