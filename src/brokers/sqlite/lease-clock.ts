import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** Where Linux names the current boot: a new random id at every boot. */
const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** This machine's boot id, or undefined where there is none (not Linux, or /proc unreadable). */
export function currentBootId(): string | undefined {
  try {
    return readFileSync(BOOT_ID_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * CLOCK_MONOTONIC in ms: counted from boot, so the same in every process of the machine, and
 * never stepped by NTP or `date -s` as the wall clock is.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * Columns and table of the monotonic leases, made on open outside the numbered migrations, so
 * that the release before them still opens the file (its processes ignore the new columns and
 * keep wall-clock leases). `lease_mono` holds the expiry on CLOCK_MONOTONIC; it counts only
 * while `lease_receipt` equals the row's receipt, which only this code writes together: a
 * lease taken or moved by the older release (a new receipt, or none) falls back to the
 * wall-clock `available_at`.
 */
const LEASE_CLOCK_SCHEMA = `
  CREATE TABLE IF NOT EXISTS lease_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    boot_id TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS messages_mono_lease ON messages (lease_mono) WHERE state = 1;
`;

/**
 * Readies the file for monotonic leases and applies the boot rule: when the file names another
 * boot than this one, every process that held a monotonic lease died with that boot, and its
 * expiry counts on a clock that restarted, so each such lease is released at once. Returns
 * whether this process writes monotonic leases (only where it knows the boot).
 */
export function prepareLeaseClock(db: Database.Database, bootId = currentBootId()): boolean {
  db.transaction(() => {
    addLeaseColumns(db);
    db.exec(LEASE_CLOCK_SCHEMA);
    if (bootId === undefined) return;
    const stored = db.prepare('SELECT boot_id FROM lease_clock WHERE id = 1').get() as
      | { boot_id: string }
      | undefined;
    if (stored?.boot_id === bootId) return;
    if (stored) releaseMonotonicLeases(db);
    db.prepare(
      `INSERT INTO lease_clock (id, boot_id) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET boot_id = excluded.boot_id`,
    ).run(bootId);
  }).immediate();
  return bootId !== undefined;
}

function addLeaseColumns(db: Database.Database): void {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('messages') as Array<{
    name: string;
  }>;
  const names = new Set(columns.map((c) => c.name));
  if (!names.has('lease_mono')) db.exec('ALTER TABLE messages ADD COLUMN lease_mono INTEGER');
  if (!names.has('lease_receipt')) db.exec('ALTER TABLE messages ADD COLUMN lease_receipt TEXT');
}

/** Leases on the older wall clock (the release before, no boot id) are left to expire by it. */
function releaseMonotonicLeases(db: Database.Database): void {
  db.exec(`UPDATE messages SET state = 0, receipt = NULL, lease_receipt = NULL
    WHERE state = 1 AND lease_receipt = receipt`);
}
