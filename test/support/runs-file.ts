import Database from 'better-sqlite3';
import { switchToWal } from '../../src/sqlite/wal-mode.ts';

/**
 * The SQLite file (E2E_RUNS_DB) where end-to-end fixtures record their runs across worker
 * processes, with `schema` applied. The busy timeout is set first: workers start together,
 * and switching to WAL takes a lock too.
 */
export function openRunsFile(...schema: string[]): Database.Database {
  const path = process.env.E2E_RUNS_DB;
  if (!path) throw new Error('E2E_RUNS_DB is not set');
  const runs = new Database(path);
  runs.pragma('busy_timeout = 10000');
  switchToWal(runs);
  for (const sql of schema) runs.exec(sql);
  return runs;
}

/** The table most fixtures record into: one row per run. */
export const RUNS_TABLE =
  'CREATE TABLE IF NOT EXISTS runs (task_id TEXT NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL)';
