import type Database from 'better-sqlite3';
import { CeleriacError } from '../../errors/errors.ts';
import { openSqliteFile } from '../../sqlite/open-file.ts';
import { sqliteDriver } from '../../sqlite/sqlite-driver.ts';
import type { ResultBackend, TaskResultRecord } from '../backend.ts';
import { PendingWaits } from '../pending-waits.ts';
import { pollForResult } from '../poll-wait.ts';
import { decodeRecord, type EncodedRecord, encodeRecord } from '../record-json.ts';
import type {
  ChordJoin,
  ChordMemberOutcome,
  ChunkProgress,
  WorkflowStore,
} from '../workflow-store.ts';
import { chordStoreFor, type SqliteChordStore } from './chord-join.ts';
import { progressStoreFor, type SqliteProgressStore } from './chunk-progress.ts';
import { prepareDatabase, RECORD_COLUMNS } from './schema.ts';

/** Options of the SQLite result backend: its file, and how often expired results are purged. */
export interface SqliteBackendOptions {
  /** The database file; created with its parent directories when missing. */
  path: string;
  /** Least time between two purges of expired rows, run inside `set`. Default one minute. */
  purgeIntervalMs?: number;
}

/** Most expired rows one purge deletes, so a backlog never holds the write lock for long. */
const PURGE_BATCH = 1000;

type Row = EncodedRecord & { expiresAt: number | null };

interface Statements {
  get: Database.Statement<[string, number], EncodedRecord>;
  upsert: Database.Statement<[Row]>;
  forget: Database.Statement<[string]>;
  purge: Database.Statement<[number, number]>;
}

/**
 * A result backend in a SQLite file that several processes may share, possibly the same
 * file as the SQLite broker. SQLite cannot notify other processes, so `wait` polls.
 */
export class SqliteBackend implements ResultBackend, WorkflowStore {
  /** The database file, as given. */
  readonly path: string;
  private readonly purgeIntervalMs: number;
  private db: Database.Database | undefined;
  private statements: Statements | undefined;
  private closed = false;
  private lastPurge = 0;
  /** Pending waits, aborted by `close` so no poll outlives the connection. */
  private readonly waits = new PendingWaits();

  constructor(options: SqliteBackendOptions) {
    this.path = options.path;
    this.purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
  }

  /** Opens the file and creates the table; idempotent, and reopens after `close`. */
  async connect(): Promise<void> {
    this.open();
  }

  /** Ends pending waits with undefined and closes the file; later calls need `connect`. */
  async close(): Promise<void> {
    this.closed = true;
    this.waits.abortAll();
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }

  /** Returns the record, or undefined when it is unknown or expired. */
  async get(id: string): Promise<TaskResultRecord | undefined> {
    const row = this.use().get.get(id, Date.now());
    return row && decodeRecord(row);
  }

  /** Inserts or replaces the record; it expires `ttlMs` from now, never when ttlMs is 0. */
  async set(record: TaskResultRecord, ttlMs: number): Promise<void> {
    const statements = this.use();
    const now = Date.now();
    const row: Row = { ...encodeRecord(record), expiresAt: ttlMs > 0 ? now + ttlMs : null };
    // Purge first: if it fails, `set` fails with nothing stored rather than half done.
    if (now - this.lastPurge >= this.purgeIntervalMs) this.purge(now);
    statements.upsert.run(row);
  }

  /** Deletes the record. */
  async forget(id: string): Promise<void> {
    this.use().forget.run(id);
  }

  /** Counts a chord member once, in one IMMEDIATE transaction; see `WorkflowStore`. */
  async joinChord(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    ttlMs: number,
  ): Promise<ChordJoin> {
    return this.chordStore().join(chordId, size, index, outcome, ttlMs);
  }

  /** Deletes a chord's state. */
  async forgetChord(chordId: string): Promise<void> {
    this.chordStore().forget(chordId);
  }

  private chordStore(): SqliteChordStore {
    this.use();
    return chordStoreFor(this.db as Database.Database);
  }

  /** Polls until the record is ready, or returns undefined at timeout, abort or `close`. */
  async wait(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskResultRecord | undefined> {
    return this.waits.run(signal, (stop) => {
      // After an abort the poll reads once more before it stops; skip that read, which after
      // `close` would throw.
      const read = (key: string) => (stop.aborted ? Promise.resolve(undefined) : this.get(key));
      return pollForResult(read, id, timeoutMs, stop);
    });
  }

  /** Deletes up to `limit` expired rows now and returns how many went. */
  async purgeExpired(limit = PURGE_BATCH): Promise<number> {
    return this.purge(Date.now(), limit);
  }

  /** The chunked-task progress stored under `key`, or undefined. */
  async readProgress(key: string): Promise<ChunkProgress | undefined> {
    return this.progressStore().read(key);
  }

  /** Stores `next` only when the progress is at `fromStep`, in one IMMEDIATE transaction. */
  async commitProgress(
    key: string,
    fromStep: number,
    next: ChunkProgress,
    ttlMs: number,
  ): Promise<boolean> {
    return this.progressStore().commit(key, fromStep, next, ttlMs);
  }

  private progressStore(): SqliteProgressStore {
    this.use();
    return progressStoreFor(this.db as Database.Database);
  }

  private purge(now: number, limit = PURGE_BATCH): number {
    this.lastPurge = now;
    return this.use().purge.run(now, limit).changes;
  }

  /** The prepared statements, connecting on first use; throws once closed. */
  private use(): Statements {
    if (this.statements) return this.statements;
    if (this.closed) {
      throw new CeleriacError('BACKEND_CLOSED', `result backend ${this.path} is closed`);
    }
    return this.open();
  }

  private open(): Statements {
    this.closed = false;
    if (this.statements) return this.statements;
    const db = openSqliteFile(sqliteDriver('the SQLite result backend'), this.path);
    try {
      prepareDatabase(db);
      this.statements = prepareStatements(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    return this.statements;
  }
}

function prepareStatements(db: Database.Database): Statements {
  return {
    get: db.prepare<[string, number], EncodedRecord>(
      `SELECT ${RECORD_COLUMNS} FROM results
       WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)`,
    ),
    upsert: db.prepare<Row>(
      `INSERT INTO results (id, task, state, value, error, retries, updated_at, expires_at)
       VALUES (@id, @task, @state, @value, @error, @retries, @updatedAt, @expiresAt)
       ON CONFLICT (id) DO UPDATE SET
         task = excluded.task, state = excluded.state, value = excluded.value,
         error = excluded.error, retries = excluded.retries,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
    ),
    forget: db.prepare<[string]>('DELETE FROM results WHERE id = ?'),
    purge: db.prepare<[number, number]>(
      `DELETE FROM results WHERE rowid IN (
         SELECT rowid FROM results WHERE expires_at <= ? LIMIT ?)`,
    ),
  };
}
