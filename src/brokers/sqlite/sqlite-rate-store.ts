import type Database from 'better-sqlite3';
import { decodeOverride, encodeOverride, gcraBook } from '../../flow/rate/gcra.ts';
import type {
  RateBooking,
  RateLimit,
  RateOverride,
  RateStore,
} from '../../flow/rate/rate-store.ts';

/** Every this many bookings, states whose time has passed (they mean nothing) are deleted. */
const SWEEP_EVERY = 1000;

interface RateStatements {
  override: Database.Statement;
  tat: Database.Statement;
  saveTat: Database.Statement;
  sweep: Database.Statement;
  setOverride: Database.Statement;
  clearOverride: Database.Statement;
  allOverrides: Database.Statement;
}

const prepared = new WeakMap<Database.Database, RateStatements>();

function statements(db: Database.Database): RateStatements {
  let stmts = prepared.get(db);
  if (!stmts) {
    stmts = {
      override: db.prepare('SELECT spec FROM rate_overrides WHERE task = ?'),
      tat: db.prepare('SELECT tat FROM rate_states WHERE task = ? AND key = ?'),
      saveTat: db.prepare(
        'INSERT INTO rate_states (task, key, tat) VALUES (?, ?, ?) ' +
          'ON CONFLICT (task, key) DO UPDATE SET tat = excluded.tat',
      ),
      sweep: db.prepare('DELETE FROM rate_states WHERE tat <= ?'),
      setOverride: db.prepare(
        'INSERT INTO rate_overrides (task, spec) VALUES (?, ?) ' +
          'ON CONFLICT (task) DO UPDATE SET spec = excluded.spec',
      ),
      clearOverride: db.prepare('DELETE FROM rate_overrides WHERE task = ?'),
      allOverrides: db.prepare('SELECT task, spec FROM rate_overrides ORDER BY task'),
    };
    prepared.set(db, stmts);
  }
  return stmts;
}

/**
 * Rate limits in the SQLite broker's file: each booking reads the override and the key's state
 * and writes the new state in one `BEGIN IMMEDIATE` transaction, so processes sharing the file
 * book against the same state.
 */
export class SqliteRateStore implements RateStore {
  #bookings = 0;

  /** `open` gives the broker's connection (opening and migrating the file when needed). */
  constructor(private readonly open: () => Database.Database) {}

  /** Books with GCRA in one transaction. */
  async book(
    task: string,
    key: string,
    limit: RateLimit,
    horizonMs: number,
    now = Date.now(),
  ): Promise<RateBooking> {
    const db = this.open();
    const stmts = statements(db);
    const sweep = ++this.#bookings % SWEEP_EVERY === 0;
    return db
      .transaction(() => {
        const spec = stmts.override.get(task) as { spec: string } | undefined;
        const override = spec ? decodeOverride(spec.spec) : undefined;
        if (override === 'off') return { at: now, booked: false, now };
        const row = stmts.tat.get(task, key) as { tat: number } | undefined;
        const step = gcraBook(row?.tat, override ?? limit, now, horizonMs);
        if (step.tat !== undefined) stmts.saveTat.run(task, key, step.tat);
        if (sweep) stmts.sweep.run(now);
        return step.booking;
      })
      .immediate();
  }

  /** Sets or clears a task's override. */
  async setOverride(task: string, override: RateOverride | null): Promise<void> {
    const stmts = statements(this.open());
    if (override === null) stmts.clearOverride.run(task);
    else stmts.setOverride.run(task, encodeOverride(override));
  }

  /** The overrides stored in the file. */
  async overrides(): Promise<Map<string, RateOverride>> {
    const rows = statements(this.open()).allOverrides.all() as { task: string; spec: string }[];
    const result = new Map<string, RateOverride>();
    for (const { task, spec } of rows) {
      const override = decodeOverride(spec);
      if (override) result.set(task, override);
    }
    return result;
  }
}
