import type Database from 'better-sqlite3';
import { checkLimit, checkTtl } from '../../control/control-input.ts';
import type { RevokedId, RevokeStore } from '../contract/revoke-store.ts';
import { preparedFor } from './prepared-statements.ts';

interface RevokeStatements {
  sweep: Database.Statement<[number]>;
  upsert: Database.Statement<[string, number]>;
  live: Database.Statement<[number, number]>;
  which: Database.Statement<[number, string]>;
}

/**
 * Revoked ids in the broker's SQLite file, one row per id with its expiry. Expired rows are
 * deleted by the next revoke, so the table holds little more than the live revokes.
 */
export class SqliteRevokeStore implements RevokeStore {
  readonly #prepared = new WeakMap<Database.Database, RevokeStatements>();

  /** `database` returns the broker's open connection (it may change after a reconnect). */
  constructor(private readonly database: () => Database.Database) {}

  /** Sweeps expired rows and upserts every id (keeping the later expiry) in one transaction. */
  async revoke(ids: string[], ttlMs: number): Promise<void> {
    checkTtl(ttlMs, 'revoke');
    if (ids.length === 0) return;
    const { db, s } = this.#open();
    const now = Date.now();
    db.transaction(() => {
      s.sweep.run(now);
      for (const id of ids) s.upsert.run(id, now + ttlMs);
    }).immediate();
  }

  /** The live revokes, soonest to lapse first. */
  async revoked(limit = Number.POSITIVE_INFINITY): Promise<RevokedId[]> {
    checkLimit(limit);
    const sqlLimit = limit === Number.POSITIVE_INFINITY ? -1 : limit;
    return this.#open().s.live.all(Date.now(), sqlLimit) as RevokedId[];
  }

  /** The subset of `ids` revoked now, in one query. */
  async whichRevoked(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = this.#open().s.which.all(Date.now(), JSON.stringify(ids)) as { id: string }[];
    return new Set(rows.map((row) => row.id));
  }

  #open(): { db: Database.Database; s: RevokeStatements } {
    const db = this.database();
    return { db, s: preparedFor(this.#prepared, db, prepare) };
  }
}

function prepare(db: Database.Database): RevokeStatements {
  return {
    sweep: db.prepare('DELETE FROM revokes WHERE expires_at <= ?'),
    upsert: db.prepare(
      `INSERT INTO revokes (id, expires_at) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
    ),
    live: db.prepare(
      `SELECT id, expires_at AS expiresAt FROM revokes WHERE expires_at > ?
       ORDER BY expires_at, id LIMIT ?`,
    ),
    which: db.prepare(
      `SELECT id FROM revokes
       WHERE expires_at > ? AND id IN (SELECT value FROM json_each(?))`,
    ),
  };
}
