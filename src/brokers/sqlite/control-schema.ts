/**
 * The tables of events and control between processes: broadcast messages (kept about a minute,
 * for subscribers that poll), revoked task ids and live workers. One schema migration.
 */
export const CONTROL_TABLES = `
  CREATE TABLE IF NOT EXISTS broadcasts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- subscribers read past the last seq they saw
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL             -- epoch ms; rows about a minute old are trimmed
  );
  CREATE INDEX IF NOT EXISTS broadcasts_age ON broadcasts (created_at);
  CREATE TABLE IF NOT EXISTS revokes (
    id TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL             -- epoch ms; revoked while expires_at > now
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS revokes_expiry ON revokes (expires_at);
  CREATE TABLE IF NOT EXISTS workers (
    name TEXT PRIMARY KEY,
    info TEXT NOT NULL,                     -- JSON WorkerInfo of the last heartbeat
    expires_at INTEGER NOT NULL             -- epoch ms; live while expires_at > now
  ) WITHOUT ROWID;
`;
