import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskResultRecord } from '../../src/backends/backend.ts';
import { SqliteBackend } from '../../src/backends/sqlite/sqlite-backend.ts';
import type { ChordJoin } from '../../src/backends/workflow-store.ts';
import { backendConformance } from '../../src/testing/backend-conformance.ts';
import { sleep } from '../../src/time/sleep.ts';
import { startGatedChild } from '../support/gated-child.ts';

const dirs: string[] = [];
const opened: SqliteBackend[] = [];

/** A database path in a fresh temporary directory, removed after the test. */
function tempDbPath(name = 'results.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-backend-'));
  dirs.push(dir);
  return join(dir, name);
}

function track(backend: SqliteBackend): SqliteBackend {
  opened.push(backend);
  return backend;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeRecord(overrides: Partial<TaskResultRecord> = {}): TaskResultRecord {
  return { id: randomUUID(), task: 't', state: 'SUCCESS', retries: 0, updatedAt: 1, ...overrides };
}

function rawRow(path: string, id: string): Record<string, unknown> | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM results WHERE id = ?').get(id) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

backendConformance('sqlite', () => new SqliteBackend({ path: tempDbPath() }));

const CHORD_JOINER = fileURLToPath(new URL('./fixtures/sqlite-chord-join.ts', import.meta.url));

interface JoinerReport {
  waits: number;
  answers: ChordJoin[];
}

/** Starts a joiner process; `ready` settles once it has opened the file, `done` with its report. */
function startChordJoiner(path: string, chordId: string, size: number, indexes: number[]) {
  const args = [path, chordId, String(size), indexes.join(',')];
  return startGatedChild<JoinerReport>(CHORD_JOINER, args, 'chord joiner');
}

describe('SqliteBackend', () => {
  it('creates missing parent directories', async () => {
    const path = tempDbPath(join('nested', 'deeper', 'results.db'));
    const backend = track(new SqliteBackend({ path }));
    await backend.connect();
    expect(existsSync(path)).toBe(true);
  });

  it('connects on first use and connect is idempotent', async () => {
    const backend = track(new SqliteBackend({ path: tempDbPath() }));
    const record = makeRecord({ value: 1 });
    await backend.set(record, 0);
    await backend.connect();
    await backend.connect();
    expect(await backend.get(record.id)).toEqual(record);
  });

  it('lets two instances on one file see each other writes', async () => {
    const path = tempDbPath();
    const writer = track(new SqliteBackend({ path }));
    const reader = track(new SqliteBackend({ path }));
    const first = makeRecord({ value: 'from writer' });
    await writer.set(first, 0);
    expect(await reader.get(first.id)).toEqual(first);
    const second = makeRecord({ value: 'from reader' });
    const waiting = writer.wait(second.id, 60_000);
    await reader.set(second, 0);
    expect(await waiting).toEqual(second);
    await reader.forget(first.id);
    expect(await writer.get(first.id)).toBeUndefined();
  });

  it('stores an undefined value as SQL NULL and a null value as JSON null', async () => {
    const path = tempDbPath();
    const backend = track(new SqliteBackend({ path }));
    const absent = makeRecord();
    const empty = makeRecord({ value: null });
    await backend.set(absent, 0);
    await backend.set(empty, 0);
    expect(rawRow(path, absent.id)?.value).toBeNull();
    expect(rawRow(path, empty.id)?.value).toBe('null');
    expect(rawRow(path, empty.id)?.expires_at).toBeNull();
  });

  it('purges expired rows during a later set', async () => {
    const path = tempDbPath();
    const backend = track(new SqliteBackend({ path, purgeIntervalMs: 0 }));
    const expiring = makeRecord({ value: 'old' });
    await backend.set(expiring, 50);
    await sleep(120);
    expect(rawRow(path, expiring.id)).toBeDefined();
    const fresh = makeRecord({ value: 'new' });
    await backend.set(fresh, 0);
    expect(rawRow(path, expiring.id)).toBeUndefined();
    expect(rawRow(path, fresh.id)).toBeDefined();
  });

  it('purgeExpired deletes expired rows and keeps live ones', async () => {
    const backend = track(new SqliteBackend({ path: tempDbPath() }));
    const expiring = [makeRecord(), makeRecord(), makeRecord()];
    for (const record of expiring) await backend.set(record, 50);
    const kept = makeRecord();
    await backend.set(kept, 60_000);
    await sleep(120);
    expect(await backend.purgeExpired()).toBe(3);
    expect(await backend.get(kept.id)).toEqual(kept);
  });

  it('shares a file with other tables and leaves user_version alone', async () => {
    const path = tempDbPath();
    const other = new Database(path);
    other.exec("CREATE TABLE messages (id TEXT PRIMARY KEY); INSERT INTO messages VALUES ('m1')");
    other.pragma('user_version = 7');
    other.close();
    const backend = track(new SqliteBackend({ path }));
    await backend.set(makeRecord(), 0);
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(7);
      expect(check.prepare('SELECT id FROM messages').all()).toEqual([{ id: 'm1' }]);
    } finally {
      check.close();
    }
  });

  it('completes a chord exactly once when four OS processes join it at the same time', async () => {
    const path = tempDbPath();
    const chordId = `chord-${randomUUID()}`;
    const size = 500;
    const half = size / 2;
    const firstHalf = Array.from({ length: half }, (_, i) => i);
    const secondHalf = firstHalf.map((i) => i + half);
    // Two processes per half, one of them backwards, so every member is also delivered twice.
    const shares = [firstHalf, [...firstHalf].reverse(), secondHalf, [...secondHalf].reverse()];
    const joiners = shares.map((indexes) => startChordJoiner(path, chordId, size, indexes));
    await Promise.all(joiners.map((joiner) => joiner.ready));
    for (const joiner of joiners) joiner.go();
    const reports = await Promise.all(joiners.map((joiner) => joiner.done));

    const answers = reports.flatMap((report) => report.answers);
    expect(answers).toHaveLength(1);
    const expected = Array.from({ length: size }, (_, index) => ({ index }));
    expect(answers[0]).toStrictEqual({ kind: 'complete', values: expected });
    const waits = reports.reduce((sum, report) => sum + report.waits, 0);
    expect(waits).toBe(2 * size - 1);
  });

  it('keeps only the chord row once a chord completes, and forgetChord deletes it', async () => {
    const path = tempDbPath();
    const backend = track(new SqliteBackend({ path }));
    const chordId = `chord-${randomUUID()}`;
    await backend.joinChord(chordId, 2, 0, { ok: true, value: 'a' }, 60_000);
    const count = (table: string, column: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare(`SELECT COUNT(*) FROM ${table} WHERE ${column} = ?`).pluck().get(chordId);
      } finally {
        db.close();
      }
    };
    expect(count('chord_members', 'chord_id')).toBe(1);
    await backend.joinChord(chordId, 2, 1, { ok: true, value: 'b' }, 60_000);
    expect(count('chord_members', 'chord_id')).toBe(0);
    expect(count('chords', 'id')).toBe(1);
    await backend.forgetChord(chordId);
    expect(count('chords', 'id')).toBe(0);
  });

  it('deletes expired chords when a new chord starts', async () => {
    const path = tempDbPath();
    const backend = track(new SqliteBackend({ path }));
    const expiring = `chord-${randomUUID()}`;
    await backend.joinChord(expiring, 2, 0, { ok: true, value: 'a' }, 50);
    await sleep(120);
    await backend.joinChord(`chord-${randomUUID()}`, 2, 0, { ok: true, value: 'b' }, 60_000);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT id FROM chords').pluck().all()).not.toContain(expiring);
      const members = db.prepare('SELECT COUNT(*) FROM chord_members WHERE chord_id = ?');
      expect(members.pluck().get(expiring)).toBe(0);
    } finally {
      db.close();
    }
  });

  it('close ends a pending wait with undefined and later calls fail until connect', async () => {
    const backend = track(new SqliteBackend({ path: tempDbPath() }));
    const record = makeRecord();
    await backend.set(record, 0);
    const waiting = backend.wait(randomUUID(), 60_000);
    await sleep(20);
    await backend.close();
    expect(await waiting).toBeUndefined();
    await expect(backend.get(record.id)).rejects.toMatchObject({ code: 'BACKEND_CLOSED' });
    await backend.connect();
    expect(await backend.get(record.id)).toEqual(record);
  });
});
