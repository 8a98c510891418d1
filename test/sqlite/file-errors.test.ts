import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokerUnavailable,
  SqliteBackend,
  SqliteBroker,
  SqliteFileError,
} from '../../src/index.ts';
import { openSqliteFile } from '../../src/sqlite/open-file.ts';
import { type ReadOnly, readOnlyOrSkip } from '../support/read-only.ts';

const message = { id: 'm1', queue: 'q', body: new Uint8Array([1]) };
const record = { id: 'r1', task: 't', state: 'SUCCESS' as const, retries: 0, updatedAt: 0 };

/** The error `run` rejects with, or a failure when it resolves. */
async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** Checks the error names the file and keeps the driver's reason and code. */
function expectNamed(error: Error, file: string, reason: string, code: string): SqliteFileError {
  expect(error).toBeInstanceOf(SqliteFileError);
  const named = error as SqliteFileError;
  expect(named.message).toContain(`SQLite file "${file}"`);
  expect(named.message).toContain(reason);
  expect(named.code).toBe(code);
  expect(named.file).toBe(file);
  expect((named.cause as { code?: string }).code).toBe(code);
  expect(named.message).not.toContain('\n');
  return named;
}

describe('SQLite errors name the file', () => {
  const dirs: string[] = [];
  const readOnly: ReadOnly[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const made of readOnly.splice(0)) made.undo();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-file-errors-'));
    dirs.push(dir);
    return dir;
  };
  const broker = (path: string) => {
    const made = new SqliteBroker({ path });
    closers.push(() => made.close());
    return made;
  };
  const backend = (path: string) => {
    const made = new SqliteBackend({ path });
    closers.push(() => made.close());
    return made;
  };
  /** A broker and result backend file, made and closed, then made read-only. */
  const readOnlyFile = async (skip: (reason: string) => void) => {
    const file = join(tempDir(), 'shared.db');
    const first = new SqliteBroker({ path: file });
    await first.connect();
    await first.close();
    const results = new SqliteBackend({ path: file });
    await results.connect();
    await results.close();
    readOnly.push(readOnlyOrSkip(file, skip));
    return file;
  };

  it('a read-only file: the broker, its coordination stores and the result backend', async ({
    skip,
  }) => {
    const file = await readOnlyFile(skip);
    const readonly = 'attempt to write a readonly database';
    const onBroker = broker(file);
    expectNamed(
      await failure(() => onBroker.enqueue([message])),
      file,
      readonly,
      'SQLITE_READONLY',
    );
    expectNamed(
      await failure(() => onBroker.revokes.revoke(['id'], 1000)),
      file,
      readonly,
      'SQLITE_READONLY',
    );
    // Reading still works; the first write says why it cannot.
    const results = backend(file);
    await results.connect();
    expect(await results.get('r1')).toBeUndefined();
    const named = expectNamed(
      await failure(() => results.set(record, 0)),
      file,
      readonly,
      'SQLITE_READONLY',
    );
    expect(named.message).toContain('read-only');
  });

  it('a read-only folder: a new file cannot be made in it, nor a missing folder under it', async ({
    skip,
  }) => {
    const dir = join(tempDir(), 'locked-down');
    mkdirSync(dir);
    readOnly.push(readOnlyOrSkip(dir, skip));
    const file = join(dir, 'broker.db');
    const opened = await failure(() => broker(file).enqueue([message]));
    expect(opened).toBeInstanceOf(BrokerUnavailable);
    expect(opened.message).toContain(`cannot open SQLite broker database "${file}"`);
    expect(opened.message).toContain('unable to open database file (SQLITE_CANTOPEN)');
    expectNamed(opened.cause as Error, file, 'unable to open database file', 'SQLITE_CANTOPEN');
    expectNamed(
      await failure(() => backend(file).connect()),
      file,
      'unable to open database file',
      'SQLITE_CANTOPEN',
    );
    const deeper = join(dir, 'missing', 'results.db');
    const made = await failure(() => backend(deeper).connect());
    expect(made).toBeInstanceOf(SqliteFileError);
    expect(made.message).toContain(`SQLite file "${deeper}": cannot create its folder:`);
  });

  it('a folder that is a file: the error names the file and the reason', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain-file'), '');
    const file = join(dir, 'plain-file', 'results.db');
    const error = await failure(() => backend(file).connect());
    expect(error).toBeInstanceOf(SqliteFileError);
    // Node says EEXIST (the folder's name is taken) or ENOTDIR, by version and platform.
    const code = (error as SqliteFileError).code;
    expect(['EEXIST', 'ENOTDIR']).toContain(code);
    expect(
      error.message.startsWith(`SQLite file "${file}": cannot create its folder: ${code}`),
    ).toBe(true);
    expect((error.cause as { code?: string }).code).toBe(code);
  });

  it('a file that is not a database (garbage bytes)', async () => {
    const file = join(tempDir(), 'garbage.db');
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const notDb = 'file is not a database';
    expectNamed(await failure(() => broker(file).connect()), file, notDb, 'SQLITE_NOTADB');
    expectNamed(await failure(() => backend(file).connect()), file, notDb, 'SQLITE_NOTADB');
  });

  it('a file another connection holds in an exclusive transaction past the busy timeout', async () => {
    const file = join(tempDir(), 'busy.db');
    const onBroker = broker(file);
    const results = backend(file);
    await onBroker.connect();
    await results.connect();
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const locked = 'database is locked';
      expectNamed(await failure(() => onBroker.enqueue([message])), file, locked, 'SQLITE_BUSY');
      expectNamed(await failure(() => results.set(record, 0)), file, locked, 'SQLITE_BUSY');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // Once the lock is gone the same connections work: nothing is left broken.
    await onBroker.enqueue([message]);
    expect((await onBroker.stats('q')).ready).toBe(1);
    await results.set(record, 0);
    expect((await results.get('r1'))?.state).toBe('SUCCESS');
  }, 30_000);
});

describe('openSqliteFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('names the file in errors of statements, scripts, pragmas and every transaction kind, and lets the caller’s own errors through', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-open-'));
    dirs.push(dir);
    const file = join(dir, 'x.db');
    const db = openSqliteFile(Database, file);
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
      insert.run(1);
      const constraint = 'UNIQUE constraint failed: t.id';
      expectNamed(
        asError(() => insert.run(1)),
        file,
        constraint,
        'SQLITE_CONSTRAINT_PRIMARYKEY',
      );
      expectNamed(
        asError(() => db.exec('SELECT * FROM nope')),
        file,
        'no such table',
        'SQLITE_ERROR',
      );
      expectNamed(
        asError(() => db.prepare('SELEKT 1')),
        file,
        'syntax error',
        'SQLITE_ERROR',
      );
      const txn = db.transaction(() => insert.run(1));
      for (const run of [txn, txn.deferred, txn.immediate, txn.exclusive]) {
        expectNamed(
          asError(() => run()),
          file,
          constraint,
          'SQLITE_CONSTRAINT_PRIMARYKEY',
        );
      }
      const own = new RangeError('the caller’s own');
      expect(
        asError(() =>
          db.transaction(() => {
            throw own;
          })(),
        ),
      ).toBe(own);
      expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });
});

function asError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}
