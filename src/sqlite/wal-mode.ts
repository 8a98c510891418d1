import type Database from 'better-sqlite3';

const ATTEMPTS = 100;
const PAUSE_MS = 50;

/**
 * Switches a file shared by processes that start together to WAL. Changing the journal mode
 * needs the file to itself, and SQLite may answer "database is locked" at once rather than
 * wait out the busy timeout (workers started together on a new file hit it), so this tries
 * again for up to five seconds. A file already in WAL is left alone. It blocks the thread
 * between tries: it runs once, while a connection opens.
 */
export function switchToWal(db: Database.Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= ATTEMPTS) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
    }
  }
}
