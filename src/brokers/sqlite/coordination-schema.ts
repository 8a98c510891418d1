/**
 * The tables of locks and concurrency slots, unique-task claims and the periodic-task
 * scheduler: one schema migration, with IF NOT EXISTS like the rate tables'.
 */
export const COORDINATION_TABLES = `
  CREATE TABLE IF NOT EXISTS slot_holds (
    key TEXT NOT NULL,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL,     -- epoch ms; the hold is live while now < expires_at
    PRIMARY KEY (key, holder)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS unique_claims (
    queue TEXT NOT NULL,
    key TEXT NOT NULL,
    id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,       -- epoch ms; a claim is live while expires_at > now
    PRIMARY KEY (queue, key)
  );
  CREATE INDEX IF NOT EXISTS unique_claims_expiry ON unique_claims (expires_at);
  CREATE TABLE IF NOT EXISTS beat_leases (
    group_name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL      -- epoch ms; the lease is live while now < expires_at
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS beat_ticks (
    group_name TEXT NOT NULL,
    entry TEXT NOT NULL,
    last_tick INTEGER NOT NULL,      -- epoch ms of the last tick that fired
    PRIMARY KEY (group_name, entry)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS beat_entries (
    group_name TEXT NOT NULL,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (group_name, name)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS beat_versions (
    group_name TEXT PRIMARY KEY,
    version INTEGER NOT NULL         -- bumped by every put and every removal that removed
  ) WITHOUT ROWID;
`;
