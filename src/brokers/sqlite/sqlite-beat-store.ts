import type Database from 'better-sqlite3';
import type { BeatStore, StoredEntry } from '../contract/beat-store.ts';
import { preparedFor } from './prepared-statements.ts';

interface BeatStatements {
  lead: Database.Statement<[string, string, number, number]>;
  resign: Database.Statement<[string, string]>;
  claimTick: Database.Statement<[string, string, number, number | null]>;
  lastTicks: Database.Statement<[string]>;
  putEntry: Database.Statement<[string, string, string, number]>;
  removeEntry: Database.Statement<[string, string]>;
  bumpVersion: Database.Statement<[string]>;
  version: Database.Statement<[string]>;
  entries: Database.Statement<[string]>;
}

interface EntryRow {
  name: string;
  spec: string;
  updated_at: number;
}

/**
 * The scheduler's state in the broker's SQLite file: each change is one statement or one
 * `BEGIN IMMEDIATE` transaction, so schedulers in several processes agree.
 */
export class SqliteBeatStore implements BeatStore {
  readonly #prepared = new WeakMap<Database.Database, BeatStatements>();

  /** `database` returns the broker's open connection (it may change after a reconnect). */
  constructor(private readonly database: () => Database.Database) {}

  /** One upsert that writes only when the lease is free, expired or the holder's own. */
  async lead(group: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.#open().s.lead.run(group, holder, now + ttlMs, now).changes === 1;
  }

  /** Deletes the lease row only when `holder` has it. */
  async resign(group: string, holder: string): Promise<void> {
    this.#open().s.resign.run(group, holder);
  }

  /** One upsert that writes only when `tick` is later than the recorded one, or that is `replacing`. */
  async claimTick(
    group: string,
    entry: string,
    tick: number,
    replacing?: number,
  ): Promise<boolean> {
    return this.#open().s.claimTick.run(group, entry, tick, replacing ?? null).changes === 1;
  }

  /** The recorded tick of each entry of the group. */
  async lastTicks(group: string): Promise<Map<string, number>> {
    const rows = this.#open().s.lastTicks.all(group) as { entry: string; last_tick: number }[];
    return new Map(rows.map((row) => [row.entry, row.last_tick]));
  }

  /** Upserts the entry and bumps the group's version in one transaction. */
  async putEntry(group: string, entry: StoredEntry): Promise<void> {
    const { db, s } = this.#open();
    db.transaction(() => {
      s.putEntry.run(group, entry.name, entry.spec, entry.updatedAt);
      s.bumpVersion.run(group);
    }).immediate();
  }

  /** Deletes the entry and, when there was one, bumps the version in one transaction. */
  async removeEntry(group: string, name: string): Promise<boolean> {
    const { db, s } = this.#open();
    return db
      .transaction(() => {
        if (s.removeEntry.run(group, name).changes === 0) return false;
        s.bumpVersion.run(group);
        return true;
      })
      .immediate();
  }

  /** Entries and version read in one (deferred) transaction: a consistent WAL snapshot. */
  async entries(group: string): Promise<{ version: number; entries: StoredEntry[] }> {
    const { db, s } = this.#open();
    return db.transaction(() => {
      const row = s.version.get(group) as { version: number } | undefined;
      const rows = s.entries.all(group) as EntryRow[];
      return {
        version: row?.version ?? 0,
        entries: rows.map((r) => ({ name: r.name, spec: r.spec, updatedAt: r.updated_at })),
      };
    })();
  }

  #open(): { db: Database.Database; s: BeatStatements } {
    const db = this.database();
    return { db, s: preparedFor(this.#prepared, db, prepare) };
  }
}

function prepare(db: Database.Database): BeatStatements {
  return {
    lead: db.prepare(
      `INSERT INTO beat_leases (group_name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (group_name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE beat_leases.holder = excluded.holder OR beat_leases.expires_at <= ?`,
    ),
    resign: db.prepare('DELETE FROM beat_leases WHERE group_name = ? AND holder = ?'),
    claimTick: db.prepare(
      `INSERT INTO beat_ticks (group_name, entry, last_tick) VALUES (?, ?, ?)
       ON CONFLICT (group_name, entry) DO UPDATE SET last_tick = excluded.last_tick
       WHERE excluded.last_tick > beat_ticks.last_tick OR beat_ticks.last_tick = ?`,
    ),
    lastTicks: db.prepare('SELECT entry, last_tick FROM beat_ticks WHERE group_name = ?'),
    putEntry: db.prepare(
      `INSERT INTO beat_entries (group_name, name, spec, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (group_name, name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`,
    ),
    removeEntry: db.prepare('DELETE FROM beat_entries WHERE group_name = ? AND name = ?'),
    bumpVersion: db.prepare(
      `INSERT INTO beat_versions (group_name, version) VALUES (?, 1)
       ON CONFLICT (group_name) DO UPDATE SET version = version + 1`,
    ),
    version: db.prepare('SELECT version FROM beat_versions WHERE group_name = ?'),
    entries: db.prepare(
      'SELECT name, spec, updated_at FROM beat_entries WHERE group_name = ? ORDER BY name',
    ),
  };
}
