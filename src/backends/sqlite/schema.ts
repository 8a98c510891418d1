import type Database from 'better-sqlite3';
import { switchToWal } from '../../sqlite/wal-mode.ts';
import { PROGRESS_SCHEMA } from './chunk-progress.ts';

/**
 * The results table, and the chord tables `chord-join.ts` uses (one row per chord, one per
 * counted member). Created with IF NOT EXISTS rather than versioned through
 * `PRAGMA user_version`, because the file may be shared with the SQLite broker, which owns
 * that pragma.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS results (
  id TEXT PRIMARY KEY,
  task TEXT NOT NULL,
  state TEXT NOT NULL,
  value TEXT,
  error TEXT,
  retries INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS results_expires_at ON results (expires_at);
CREATE TABLE IF NOT EXISTS chords (
  id TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  joined INTEGER NOT NULL,
  state TEXT NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS chords_expires_at ON chords (expires_at);
CREATE TABLE IF NOT EXISTS chord_members (
  chord_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (chord_id, idx)
) WITHOUT ROWID;
`;

/** Applies the pragmas a shared, multi-process file needs and creates the tables. */
export function prepareDatabase(db: Database.Database): void {
  // WAL lets readers in other processes proceed while one writes; busy_timeout makes a
  // writer wait for the lock instead of failing at once (set first, so the switch waits too).
  db.pragma('busy_timeout = 5000');
  switchToWal(db);
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  db.exec(PROGRESS_SCHEMA);
}

/** Columns selected for a record, named as `EncodedRecord` fields. */
export const RECORD_COLUMNS = 'id, task, state, value, error, retries, updated_at AS updatedAt';
