import type Database from 'better-sqlite3';
import { requireOptional } from '../packages/optional-package.ts';

/** The better-sqlite3 constructor, loaded when the first SQLite file opens. */
export type SqliteDriver = typeof Database;

/** better-sqlite3, or a `MissingPackage` naming `feature` ("the SQLite broker"). */
export function sqliteDriver(feature: string): SqliteDriver {
  return requireOptional<SqliteDriver>('better-sqlite3', feature);
}
