import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SqliteBroadcast } from '../../src/brokers/sqlite/sqlite-broadcast.ts';
import { SqliteBroker } from '../../src/brokers/sqlite/sqlite-broker.ts';
import { Inbox } from '../../src/testing/control-waits.ts';
import { coordinationConformance } from '../../src/testing/index.ts';
import { startGatedChild } from '../support/gated-child.ts';
import { sqlitePair } from '../support/store-pairs.ts';

const CLAIMER = fileURLToPath(new URL('./fixtures/sqlite-beat-claims.ts', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/sqlite-broadcast-echo.ts', import.meta.url));

/** Starts a claimer process; `ready` settles once it has opened the file, `done` with its ticks. */
function startClaimer(path: string, group: string, entry: string, count: number) {
  return startGatedChild<number[]>(CLAIMER, [path, group, entry, String(count)], 'claimer');
}

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
  // A short poll keeps the broadcast cases quick; it runs only while a subscription lasts.
  const options = { broadcastPollIntervalMs: 10 };
  const { peers, path } = sqlitePair(options);
  coordinationConformance('sqlite', peers);

  describe('slots', () => {
    it('two connections to one file share the holds, as two processes would', async () => {
      const [broker] = peers();
      const other = new SqliteBroker({ path });
      try {
        expect(await broker.slots.acquire('shared', 1, 'a', 10_000)).toEqual({ acquired: true });
        expect((await other.slots.acquire('shared', 1, 'b', 10_000)).acquired).toBe(false);
        await broker.slots.release('shared', 'a');
        expect(await other.slots.acquire('shared', 1, 'b', 10_000)).toEqual({ acquired: true });
      } finally {
        await other.close();
      }
    });

    it('keeps working after the broker closes and reopens its file', async () => {
      const [broker] = peers();
      await broker.close();
      expect(await broker.slots.acquire('reopened', 1, 'a', 10_000)).toEqual({ acquired: true });
    });
  });

  describe('beat', () => {
    it('two connections to one file: exactly one leads, and both see the entries', async () => {
      const [broker] = peers();
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
      const [broker] = peers();
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

  describe('broadcast', () => {
    it('another process hears what this one publishes, and answers in order', async () => {
      const [first, second] = peers();
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
      const [first] = peers();
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
      const broker = new SqliteBroker({ ...options, path });
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
      const [first] = peers();
      const broker = new SqliteBroker({ ...options, path });
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

  describe('revokes', () => {
    it('keeps working after the broker closes and reopens its file', async () => {
      const [first] = peers();
      await first.revokes.revoke(['reopened'], 60_000);
      await first.close();
      expect(await first.revokes.whichRevoked(['reopened'])).toEqual(new Set(['reopened']));
    });
  });
});
