import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { nameFileErrors, openErrorOf } from './file-errors.ts';
import type { SqliteDriver } from './sqlite-driver.ts';

/** True for the paths better-sqlite3 keeps in memory rather than in a file. */
function inMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * Opens (creating it and its folder if needed) a SQLite file whose every error, from opening it
 * to each statement and transaction, is a SqliteFileError naming the file.
 */
export function openSqliteFile(Driver: SqliteDriver, path: string): Database.Database {
  const file = inMemory(path) ? path : resolve(path);
  try {
    if (!inMemory(path)) mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw openErrorOf(file, 'cannot create its folder', error);
  }
  let db: Database.Database;
  try {
    db = new Driver(path);
  } catch (error) {
    throw openErrorOf(file, 'cannot open it', error);
  }
  return nameFileErrors(db, file);
}
