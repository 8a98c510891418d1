import type Database from 'better-sqlite3';
import type { SlotClaim, SlotHold, SlotStore } from '../contract/slot-store.ts';
import { preparedFor } from './prepared-statements.ts';

interface SlotStatements {
  dropExpired: Database.Statement<[string, number]>;
  holds: Database.Statement<[string, string]>;
  count: Database.Statement<[string]>;
  upsert: Database.Statement<[string, string, number]>;
  firstExpiry: Database.Statement<[string]>;
  extend: Database.Statement<[number, string, string, number]>;
  release: Database.Statement<[string, string]>;
}

/** Slots in the broker's SQLite file; every step is one `BEGIN IMMEDIATE` transaction. */
export class SqliteSlotStore implements SlotStore {
  readonly #prepared = new WeakMap<Database.Database, SlotStatements>();

  /** `database` returns the broker's open connection (it may change after a reconnect). */
  constructor(private readonly database: () => Database.Database) {}

  /** Takes or refreshes a slot when the key has room. */
  async acquire(
    key: string,
    limit: number,
    holder: string,
    ttlMs: number,
    now = Date.now(),
  ): Promise<SlotClaim> {
    const { db, s } = this.#open();
    return db
      .transaction((): SlotClaim => {
        s.dropExpired.run(key, now);
        const own = s.holds.get(key, holder) !== undefined;
        const { n } = s.count.get(key) as { n: number };
        if (own || n < limit) {
          s.upsert.run(key, holder, now + ttlMs);
          return { acquired: true };
        }
        const { first } = s.firstExpiry.get(key) as { first: number };
        return { acquired: false, retryAt: first };
      })
      .immediate();
  }

  /** Extends the live holds among `holds` in one transaction. */
  async renew(holds: readonly SlotHold[], now = Date.now()): Promise<number> {
    if (holds.length === 0) return 0;
    const { db, s } = this.#open();
    return db
      .transaction(() => {
        let kept = 0;
        for (const { key, holder, ttlMs } of holds) {
          kept += s.extend.run(now + ttlMs, key, holder, now).changes;
        }
        return kept;
      })
      .immediate();
  }

  /** Deletes this holder's row only. */
  async release(key: string, holder: string): Promise<void> {
    const { db, s } = this.#open();
    db.transaction(() => s.release.run(key, holder)).immediate();
  }

  #open(): { db: Database.Database; s: SlotStatements } {
    const db = this.database();
    return { db, s: preparedFor(this.#prepared, db, prepare) };
  }
}

function prepare(db: Database.Database): SlotStatements {
  return {
    dropExpired: db.prepare('DELETE FROM slot_holds WHERE key = ? AND expires_at <= ?'),
    holds: db.prepare('SELECT 1 FROM slot_holds WHERE key = ? AND holder = ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM slot_holds WHERE key = ?'),
    upsert: db.prepare(
      `INSERT INTO slot_holds (key, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key, holder) DO UPDATE SET expires_at = excluded.expires_at`,
    ),
    firstExpiry: db.prepare('SELECT MIN(expires_at) AS first FROM slot_holds WHERE key = ?'),
    extend: db.prepare(
      'UPDATE slot_holds SET expires_at = ? WHERE key = ? AND holder = ? AND expires_at > ?',
    ),
    release: db.prepare('DELETE FROM slot_holds WHERE key = ? AND holder = ?'),
  };
}
