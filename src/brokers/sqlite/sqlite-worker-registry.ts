import type Database from 'better-sqlite3';
import { checkTtl } from '../../control/control-input.ts';
import type { WorkerInfo, WorkerRegistry } from '../contract/worker-registry.ts';
import { preparedFor } from './prepared-statements.ts';

interface WorkerStatements {
  sweep: Database.Statement<[number]>;
  upsert: Database.Statement<[string, string, number]>;
  remove: Database.Statement<[string]>;
  live: Database.Statement<[number]>;
}

/**
 * Live workers in the broker's SQLite file: one row per worker name with its last heartbeat's
 * info and the time it lapses. Each heartbeat also deletes the rows that lapsed.
 */
export class SqliteWorkerRegistry implements WorkerRegistry {
  readonly #prepared = new WeakMap<Database.Database, WorkerStatements>();

  /** `database` returns the broker's open connection (it may change after a reconnect). */
  constructor(private readonly database: () => Database.Database) {}

  /** Replaces the worker's row and pushes its lapse to now + ttlMs, in one transaction. */
  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, 'heartbeat');
    const { db, s } = this.#open();
    const now = Date.now();
    db.transaction(() => {
      s.sweep.run(now);
      s.upsert.run(info.name, JSON.stringify(info), now + ttlMs);
    }).immediate();
  }

  /** Deletes the worker's row. */
  async remove(name: string): Promise<void> {
    this.#open().s.remove.run(name);
  }

  /** Rows not yet lapsed, sorted by name. */
  async list(): Promise<WorkerInfo[]> {
    const rows = this.#open().s.live.all(Date.now()) as { info: string }[];
    const infos = rows.map((row) => JSON.parse(row.info) as WorkerInfo);
    // The memory registry's order, which SQLite's binary collation would not give.
    return infos.sort((a, b) => a.name.localeCompare(b.name));
  }

  #open(): { db: Database.Database; s: WorkerStatements } {
    const db = this.database();
    return { db, s: preparedFor(this.#prepared, db, prepare) };
  }
}

function prepare(db: Database.Database): WorkerStatements {
  return {
    sweep: db.prepare('DELETE FROM workers WHERE expires_at <= ?'),
    upsert: db.prepare(
      `INSERT INTO workers (name, info, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET info = excluded.info, expires_at = excluded.expires_at`,
    ),
    remove: db.prepare('DELETE FROM workers WHERE name = ?'),
    live: db.prepare('SELECT info FROM workers WHERE expires_at > ?'),
  };
}
