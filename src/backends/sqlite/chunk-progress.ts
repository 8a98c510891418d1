import type Database from 'better-sqlite3';
import type { ChunkProgress } from '../workflow-store.ts';

/**
 * The progress table. A row per run; `cursor` is JSON so a number, an ISO string and null
 * come back as they went in.
 */
export const PROGRESS_SCHEMA = `
CREATE TABLE IF NOT EXISTS chunk_progress (
  key TEXT PRIMARY KEY,
  step INTEGER NOT NULL,
  cursor TEXT NOT NULL,
  processed INTEGER NOT NULL,
  done INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS chunk_progress_expires_at ON chunk_progress (expires_at);
`;

/** Expired rows of other runs one finishing run deletes, so the table cannot grow unbounded. */
const PURGE_BATCH = 100;

interface ProgressRow {
  step: number;
  cursor: string;
  processed: number;
  done: number;
  updatedAt: number;
}

interface WriteRow extends ProgressRow {
  key: string;
  fromStep: number;
  now: number;
  expiresAt: number | null;
}

/** Chunked-task progress in the backend's SQLite file, shared by every process using it. */
export class SqliteProgressStore {
  private readonly select: Database.Statement<[string, number], ProgressRow>;
  private readonly update: Database.Statement<[WriteRow]>;
  private readonly insert: Database.Statement<[WriteRow]>;
  private readonly purge: Database.Statement<[number, number]>;
  private readonly commitAtomically: (row: WriteRow) => boolean;

  constructor(db: Database.Database) {
    this.select = db.prepare(
      `SELECT step, cursor, processed, done, updated_at AS updatedAt FROM chunk_progress
       WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.update = db.prepare(
      `UPDATE chunk_progress SET step = @step, cursor = @cursor, processed = @processed,
         done = @done, updated_at = @updatedAt, expires_at = @expiresAt
       WHERE key = @key AND step = @fromStep AND (expires_at IS NULL OR expires_at > @now)`,
    );
    // Creates the row, or takes over an expired one; a live row of any step is left alone.
    this.insert = db.prepare(
      `INSERT INTO chunk_progress (key, step, cursor, processed, done, updated_at, expires_at)
       VALUES (@key, @step, @cursor, @processed, @done, @updatedAt, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET step = excluded.step, cursor = excluded.cursor,
         processed = excluded.processed, done = excluded.done,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at
       WHERE chunk_progress.expires_at IS NOT NULL AND chunk_progress.expires_at <= @now`,
    );
    this.purge = db.prepare(
      `DELETE FROM chunk_progress WHERE rowid IN (
         SELECT rowid FROM chunk_progress WHERE expires_at <= ? LIMIT ?)`,
    );
    // IMMEDIATE takes the write lock first, so no other process commits between the two
    // statements.
    const commit = db.transaction((row: WriteRow) => this.compareAndSet(row));
    this.commitAtomically = (row) => commit.immediate(row);
  }

  /** The live progress under `key`, or undefined. */
  read(key: string): ChunkProgress | undefined {
    const row = this.select.get(key, Date.now());
    return row && fromRow(row);
  }

  /** Stores `next` when the live progress is at `fromStep` (or absent and `fromStep` is 0). */
  commit(key: string, fromStep: number, next: ChunkProgress, ttlMs: number): boolean {
    const now = Date.now();
    return this.commitAtomically({
      key,
      fromStep,
      now,
      step: next.step,
      cursor: JSON.stringify(next.cursor),
      processed: next.processed,
      done: next.done ? 1 : 0,
      updatedAt: next.updatedAt,
      expiresAt: ttlMs > 0 ? now + ttlMs : null,
    });
  }

  private compareAndSet(row: WriteRow): boolean {
    if (this.update.run(row).changes === 1) {
      if (row.done === 1) this.purge.run(row.now, PURGE_BATCH);
      return true;
    }
    // Absent progress counts as step 0, so only the first chunk's run may create it.
    return row.fromStep === 0 && this.insert.run(row).changes === 1;
  }
}

const stores = new WeakMap<Database.Database, SqliteProgressStore>();

/** The progress store of an open database, prepared once per connection. */
export function progressStoreFor(db: Database.Database): SqliteProgressStore {
  let store = stores.get(db);
  if (!store) {
    store = new SqliteProgressStore(db);
    stores.set(db, store);
  }
  return store;
}

function fromRow(row: ProgressRow): ChunkProgress {
  return {
    step: row.step,
    cursor: JSON.parse(row.cursor) as ChunkProgress['cursor'],
    processed: row.processed,
    done: row.done === 1,
    updatedAt: row.updatedAt,
  };
}
