import type Database from 'better-sqlite3';
import { decodeOverride, encodeOverride, gcraAdmit } from '../../flow/rate/gcra.ts';
import type {
  RateAdmission,
  RateLimit,
  RateOverride,
  RateRequest,
  RateStore,
} from '../contract/rate-store.ts';

/** Every this many admissions, states whose time has passed (they mean nothing) are deleted. */
const SWEEP_EVERY = 1000;

interface RateStatements {
  override: Database.Statement;
  booked: Database.Statement;
  started: Database.Statement;
  saveBooked: Database.Statement;
  saveStarted: Database.Statement;
  sweepBooked: Database.Statement;
  sweepStarted: Database.Statement;
  setOverride: Database.Statement;
  clearOverride: Database.Statement;
  allOverrides: Database.Statement;
}

const prepared = new WeakMap<Database.Database, RateStatements>();

/** Saving a TAT into one of the two state tables (`rate_states` books, `rate_starts` starts). */
function upsert(db: Database.Database, table: string): Database.Statement {
  return db.prepare(
    `INSERT INTO ${table} (task, key, tat) VALUES (?, ?, ?) ` +
      'ON CONFLICT (task, key) DO UPDATE SET tat = excluded.tat',
  );
}

function statements(db: Database.Database): RateStatements {
  let stmts = prepared.get(db);
  if (!stmts) {
    stmts = {
      override: db.prepare('SELECT spec FROM rate_overrides WHERE task = ?'),
      booked: db.prepare('SELECT tat FROM rate_states WHERE task = ? AND key = ?'),
      started: db.prepare('SELECT tat FROM rate_starts WHERE task = ? AND key = ?'),
      saveBooked: upsert(db, 'rate_states'),
      saveStarted: upsert(db, 'rate_starts'),
      sweepBooked: db.prepare('DELETE FROM rate_states WHERE tat <= ?'),
      sweepStarted: db.prepare('DELETE FROM rate_starts WHERE tat <= ?'),
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
 * Rate limits in the SQLite broker's file: each admission reads the override and the key's
 * two states and writes them back in one `BEGIN IMMEDIATE` transaction, so processes sharing
 * the file decide against the same state.
 */
export class SqliteRateStore implements RateStore {
  #admissions = 0;

  /** `open` gives the broker's connection (opening and migrating the file when needed). */
  constructor(private readonly open: () => Database.Database) {}

  /** Admits or books with GCRA in one transaction. */
  async admit(
    task: string,
    key: string,
    limit: RateLimit,
    request: RateRequest,
  ): Promise<RateAdmission> {
    const db = this.open();
    const stmts = statements(db);
    const sweep = ++this.#admissions % SWEEP_EVERY === 0;
    return db
      .transaction(() => {
        // The clock is read inside the write lock, so admissions are in the order of their times.
        const now = request.now ?? Date.now();
        const spec = stmts.override.get(task) as { spec: string } | undefined;
        const override = spec ? decodeOverride(spec.spec) : undefined;
        if (override === 'off') return { kind: 'start', at: now, now } as const;
        const booked = tatOf(stmts.booked.get(task, key));
        const started = tatOf(stmts.started.get(task, key));
        const step = gcraAdmit({ booked, started }, override ?? limit, { ...request, now });
        if (step.state?.booked !== undefined && step.state.booked !== booked)
          stmts.saveBooked.run(task, key, step.state.booked);
        if (step.state?.started !== undefined && step.state.started !== started)
          stmts.saveStarted.run(task, key, step.state.started);
        if (sweep) {
          stmts.sweepBooked.run(now);
          stmts.sweepStarted.run(now);
        }
        return step.admission;
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

function tatOf(row: unknown): number | undefined {
  const tat = (row as { tat?: unknown } | undefined)?.tat;
  return typeof tat === 'number' && Number.isFinite(tat) ? tat : undefined;
}
