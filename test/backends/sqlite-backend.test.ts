import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskResultRecord } from '../../src/backends/backend.ts';
import { SqliteBackend } from '../../src/backends/sqlite/sqlite-backend.ts';
import { backendConformance } from '../../src/testing/backend-conformance.ts';
import { sleep } from '../../src/time/sleep.ts';

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
