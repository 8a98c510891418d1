/**
 * The rate-limit tables (a schema migration of their own). IF NOT EXISTS, so the entry is safe
 * to run again whatever order feature migrations were appended in.
 */
export const RATE_TABLES = `
  CREATE TABLE IF NOT EXISTS rate_states (
    task TEXT NOT NULL,
    key TEXT NOT NULL,
    tat REAL NOT NULL,               -- GCRA theoretical arrival time (epoch ms)
    PRIMARY KEY (task, key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rate_states_tat ON rate_states (tat);
  CREATE TABLE IF NOT EXISTS rate_overrides (
    task TEXT PRIMARY KEY,
    spec TEXT NOT NULL               -- '<count> <perMs> <burst>' or 'off'
  ) WITHOUT ROWID;
`;

/**
 * The actual starts' state, beside the bookings' (its own migration, appended later): a
 * start is admitted against it, so late deliveries cannot bunch.
 */
export const RATE_START_TABLE = `
  CREATE TABLE IF NOT EXISTS rate_starts (
    task TEXT NOT NULL,
    key TEXT NOT NULL,
    tat REAL NOT NULL,               -- GCRA theoretical arrival time of the next start (epoch ms)
    PRIMARY KEY (task, key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rate_starts_tat ON rate_starts (tat);
`;
