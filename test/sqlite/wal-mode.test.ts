import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBroker } from '../../src/index.ts';
import { switchToWal } from '../../src/sqlite/wal-mode.ts';

/** Another process holding a read transaction on `path` for `ms`; resolves once it holds it. */
function holdReadLock(path: string, ms: number) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN');
    db.prepare('SELECT COUNT(*) FROM t').get();
    process.stdout.write('holding\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const holding = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return { holding, exited };
}

describe('switching a shared file to WAL', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A new file in rollback-journal mode with one table, as a first process leaves it. */
  const freshFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-wal-'));
    dirs.push(dir);
    const path = join(dir, 'broker.db');
    const db = new Database(path);
    db.exec('CREATE TABLE t (x)');
    db.close();
    return path;
  };

  // Several processes opening a new file together can get SQLITE_BUSY from the switch itself,
  // busy timeout or not (seen once in 360 opens of 6 processes at once): it cannot be provoked
  // on demand, so the retry is checked on a connection that answers busy twice.
  it('switchToWal tries again when the switch answers SQLITE_BUSY, and gives up on other errors', () => {
    let calls = 0;
    const busyTwice = {
      pragma(sql: string) {
        if (sql === 'journal_mode') return 'delete';
        calls++;
        if (calls <= 2)
          throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        return 'wal';
      },
    };
    switchToWal(busyTwice as unknown as Database.Database);
    expect(calls).toBe(3);
    const broken = {
      pragma(sql: string) {
        if (sql === 'journal_mode') return 'delete';
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      },
    };
    expect(() => switchToWal(broken as unknown as Database.Database)).toThrow('disk I/O error');
  });

  it('switchToWal waits for the other process and switches', async () => {
    const path = freshFile();
    const holder = holdReadLock(path, 300);
    await holder.holding;
    const db = new Database(path);
    switchToWal(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    await holder.exited;
  });

  it('a SQLite broker opening while another process reads the new file connects', async () => {
    const path = freshFile();
    const holder = holdReadLock(path, 300);
    await holder.holding;
    const broker = new SqliteBroker({ path });
    await broker.connect();
    expect(await broker.queues()).toEqual([]);
    await broker.close();
    await holder.exited;
  });
});
