import type Database from 'better-sqlite3';
import { SqliteFileError } from '../errors/errors.ts';

/** What to check, by the start of the driver's code; the driver's message says what happened. */
const HINTS: [prefix: string, hint: string][] = [
  [
    'SQLITE_READONLY',
    'the file, its folder or its file system is read-only; the process must be able to write ' +
      'the file and create the -wal and -shm files beside it',
  ],
  ['SQLITE_BUSY', 'another connection held a lock on it longer than the busy timeout'],
  ['SQLITE_LOCKED', 'another connection held a lock on it longer than the busy timeout'],
  ['SQLITE_CANTOPEN', 'check that its folder exists and that the process may write there'],
  ['SQLITE_CORRUPT', 'the file is damaged'],
  ['SQLITE_FULL', 'the disk is full'],
];

/**
 * The error as the user sees it: a SqliteFileError naming the file, with the driver's error as
 * `cause` and its code kept. Errors that are not the driver's (thrown by the caller's own code
 * inside a transaction) and errors that name the file already pass through unchanged.
 */
export function fileErrorOf(file: string, error: unknown): unknown {
  if (error instanceof SqliteFileError || !isDriverError(error)) return error;
  const code = codeOf(error);
  const hint = HINTS.find(([prefix]) => code.startsWith(prefix))?.[1];
  const reason = `${error.message} (${code})${hint === undefined ? '' : `: ${hint}`}`;
  return new SqliteFileError(file, reason, code, { cause: error });
}

/** The error of a file that could not be opened at all (`step` failed), whatever threw it. */
export function openErrorOf(file: string, step: string, error: unknown): SqliteFileError {
  const named = fileErrorOf(file, error);
  if (named instanceof SqliteFileError) return named;
  const cause = error instanceof Error ? error : new Error(String(error));
  const own = (cause as { code?: unknown }).code;
  const code = typeof own === 'string' && own !== '' ? own : 'SQLITE_CANTOPEN';
  return new SqliteFileError(file, `${step}: ${cause.message}`, code, { cause });
}

/**
 * Makes every error of `db` (its statements, pragmas, scripts and transactions) name `file`.
 * Done once, on the connection: the stores that share it need no handling of their own.
 */
export function nameFileErrors(db: Database.Database, file: string): Database.Database {
  const prepare = db.prepare.bind(db);
  const transaction = db.transaction.bind(db);
  const target = db as unknown as Record<string, unknown>;
  target.exec = named(file, db.exec.bind(db));
  target.pragma = named(file, db.pragma.bind(db));
  target.prepare = named(file, (sql: string) => nameStatementErrors(prepare(sql), file));
  target.transaction = (fn: (...args: never[]) => unknown) =>
    namedTransaction(file, transaction(fn));
  return db;
}

function nameStatementErrors(statement: Database.Statement, file: string): Database.Statement {
  const target = statement as unknown as Record<string, unknown>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    target[method] = named(file, statement[method].bind(statement) as (...a: never[]) => unknown);
  }
  return statement;
}

function namedTransaction<F extends Database.Transaction>(file: string, txn: F): F {
  const wrapped = named(file, txn) as unknown as Record<string, unknown>;
  for (const variant of ['default', 'deferred', 'immediate', 'exclusive'] as const) {
    wrapped[variant] = named(file, txn[variant]);
  }
  return wrapped as unknown as F;
}

function named<A extends unknown[], R>(file: string, fn: (...args: A) => R): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    try {
      return fn.apply(this, args);
    } catch (error) {
      throw fileErrorOf(file, error);
    }
  };
}

function isDriverError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.name === 'SqliteError' || (typeof code === 'string' && code.startsWith('SQLITE_'));
}

function codeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : 'SQLITE_ERROR';
}
