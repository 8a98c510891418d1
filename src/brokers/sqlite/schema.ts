import type Database from 'better-sqlite3';
import { BrokerUnavailable, type SqliteFileError } from '../../errors/errors.ts';
import { openSqliteFile } from '../../sqlite/open-file.ts';
import { sqliteDriver } from '../../sqlite/sqlite-driver.ts';
import { switchToWal } from '../../sqlite/wal-mode.ts';
import { CONTROL_TABLES } from './control-schema.ts';
import { COORDINATION_TABLES } from './coordination-schema.ts';
import { RATE_START_TABLE, RATE_TABLES } from './rate-schema.ts';

/** Message states as stored in `messages.state`. */
export const READY = 0;
export const RESERVED = 1;
export const DELAYED = 2;

/**
 * One entry per schema version; entry N moves a database from `user_version` N to N + 1.
 * Append only: released entries never change, because databases in the field ran them.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    queue TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    state INTEGER NOT NULL,          -- 0 ready, 1 reserved, 2 delayed
    available_at INTEGER NOT NULL,   -- delayed: due time; reserved: lease expiry (epoch ms)
    receipt TEXT,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    body BLOB NOT NULL,
    enqueued_at INTEGER NOT NULL
  );
  CREATE INDEX messages_ready ON messages (queue, priority DESC, seq) WHERE state = 0;
  CREATE INDEX messages_timed ON messages (state, available_at) WHERE state IN (1, 2);
  CREATE TABLE dead_letters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    queue TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    body BLOB NOT NULL,
    reason TEXT NOT NULL,
    failed_at INTEGER NOT NULL
  );
  CREATE INDEX dead_letters_queue ON dead_letters (queue, seq);
  `,
  RATE_TABLES,
  COORDINATION_TABLES,
  CONTROL_TABLES,
  RATE_START_TABLE,
];

/** The `user_version` this code writes and expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Opens (creating if needed) the broker database with WAL and migrates it to the current schema. */
export function openDatabase(path: string): Database.Database {
  // Outside the try: a missing driver is its own one-line error, not a file that cannot open.
  const Driver = sqliteDriver('the SQLite broker');
  let db: Database.Database;
  try {
    db = openSqliteFile(Driver, path);
  } catch (err) {
    const reason = (err as SqliteFileError).reason;
    throw new BrokerUnavailable(`cannot open SQLite broker database "${path}": ${reason}`, {
      cause: err,
    });
  }
  try {
    configure(db);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function configure(db: Database.Database): void {
  // Set first so the pragmas below already wait for other processes instead of failing.
  db.pragma('busy_timeout = 5000');
  switchToWal(db);
  // In WAL mode NORMAL loses at most the last commits on power loss, never consistency.
  db.pragma('synchronous = NORMAL');
}

function migrate(db: Database.Database): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  // Immediate, so two processes opening a new file at once migrate it only once.
  db.transaction(() => {
    const current = userVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new BrokerUnavailable(
        `SQLite broker schema version ${current} is newer than this release supports (${SCHEMA_VERSION})`,
      );
    }
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
