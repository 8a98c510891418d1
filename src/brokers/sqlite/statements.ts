import type Database from 'better-sqlite3';

/** A row taken out of one table to be written into the other. */
export interface MovedRow {
  seq: number;
  id: string;
  queue: string;
  priority: number;
  body: Buffer;
}

/** One queue's counts by state. */
export interface CountsRow {
  ready: number;
  reserved: number;
  delayed: number;
  dead: number;
}

// Queries repeat `state = 0` and `state IN (1, 2)` literally: SQLite uses a partial index only
// when the query's WHERE contains the index's WHERE term as written.
const SQL = {
  insert: `INSERT INTO messages (id, queue, priority, state, available_at, body, enqueued_at)
    VALUES (@id, @queue, @priority, @state, @availableAt, @body, @now)`,
  // Delayed messages' due times are calendar times, on the wall clock.
  promoteDelayed: `UPDATE messages SET state = 0, receipt = NULL
    WHERE state IN (1, 2) AND state = 2 AND available_at <= ?`,
  // A lease is on the monotonic clock while lease_receipt = receipt (see lease-clock.ts), else
  // (taken by an older release, or where no boot id is known) on the wall clock.
  expireWallLeases: `UPDATE messages SET state = 0, receipt = NULL
    WHERE state IN (1, 2) AND state = 1 AND available_at <= ?
      AND (lease_receipt IS NOT receipt OR typeof(lease_mono) != 'integer')`,
  expireMonoLeases: `UPDATE messages SET state = 0, receipt = NULL
    WHERE state = 1 AND lease_mono <= ? AND lease_receipt = receipt`,
  // available_at keeps a wall-clock expiry too, for processes of the release before.
  reserveFrom: `UPDATE messages
    SET state = 1, available_at = @leaseUntil, receipt = seq || ':' || @token,
        lease_mono = @leaseMono,
        lease_receipt = CASE WHEN @leaseMono IS NULL THEN NULL ELSE seq || ':' || @token END,
        delivery_count = CASE
          WHEN typeof(delivery_count) = 'integer' AND delivery_count BETWEEN 0 AND 999999998
          THEN delivery_count + 1 ELSE 'unreadable ' || quote(delivery_count) END
    WHERE seq IN (SELECT seq FROM messages WHERE state = 0 AND queue = @queue
                  ORDER BY priority DESC, seq LIMIT @limit)
    RETURNING seq, id, queue, priority, delivery_count AS deliveryCount, receipt, body`,
  // Text and blobs sort above every number, so one range of the index finds every due time
  // or lease expiry that is not a time (8640000000000000 is the last Date; NULL cannot be
  // stored, the column is NOT NULL). No OR here: it would make SQLite scan every timed row.
  takeUntimed: `DELETE FROM messages
    WHERE state IN (1, 2) AND available_at > 8640000000000000
    RETURNING seq, id, queue, priority, body, available_at AS availableAt`,
  takeStateless: `DELETE FROM messages WHERE state NOT IN (0, 1, 2)
    RETURNING seq, id, queue, priority, body, state`,
  // The next due time or lease expiry, a monotonic one moved onto the wall clock.
  nextDue: `SELECT MIN(CASE
      WHEN state = 1 AND lease_receipt = receipt AND typeof(lease_mono) = 'integer'
      THEN lease_mono - @mono + @wall ELSE available_at END) AS next
    FROM messages WHERE state IN (1, 2) AND queue IN (SELECT value FROM json_each(@queues))`,
  ack: 'DELETE FROM messages WHERE seq = ? AND receipt = ? AND state = 1',
  extend: `UPDATE messages SET available_at = ?, lease_mono = ?
    WHERE seq = ? AND receipt = ? AND state = 1`,
  retry: `UPDATE messages
    SET state = @state, available_at = @retryAt, receipt = NULL, body = COALESCE(@body, body)
    WHERE seq = @seq AND receipt = @receipt AND state = 1
    RETURNING queue`,
  takeHeld: `DELETE FROM messages WHERE seq = ? AND receipt = ? AND state = 1
    RETURNING seq, id, queue, priority, body`,
  insertDead: `INSERT INTO dead_letters (id, queue, priority, body, reason, failed_at)
    VALUES (@id, @queue, @priority, @body, @reason, @failedAt)`,
  counts: `SELECT
    (SELECT COUNT(*) FROM messages WHERE state = 0 AND queue = @queue) AS ready,
    (SELECT COUNT(*) FROM messages WHERE state IN (1, 2) AND state = 1 AND queue = @queue) AS reserved,
    (SELECT COUNT(*) FROM messages WHERE state IN (1, 2) AND state = 2 AND queue = @queue) AS delayed,
    (SELECT COUNT(*) FROM dead_letters WHERE queue = @queue) AS dead`,
  listDelayed: `SELECT id, body, available_at AS availableAt FROM messages
    WHERE state = 2 AND queue = @queue ORDER BY available_at LIMIT @limit`,
  queues: 'SELECT queue FROM messages UNION SELECT queue FROM dead_letters ORDER BY queue',
  purgeReady: 'DELETE FROM messages WHERE state = 0 AND queue = ?',
  purgeDelayed: 'DELETE FROM messages WHERE state IN (1, 2) AND state = 2 AND queue = ?',
  listDead: `SELECT id, queue, body, reason, failed_at AS failedAt FROM dead_letters
    WHERE @queue IS NULL OR queue = @queue ORDER BY seq LIMIT @limit OFFSET @offset`,
  takeDeadAll: 'DELETE FROM dead_letters RETURNING seq, id, queue, priority, body',
  takeDeadByIds: `DELETE FROM dead_letters WHERE id IN (SELECT value FROM json_each(?))
    RETURNING seq, id, queue, priority, body`,
  purgeDeadAll: 'DELETE FROM dead_letters',
  purgeDeadQueue: 'DELETE FROM dead_letters WHERE queue = ?',
} as const;

/**
 * Rows of no known state (written by another program) are found without a scan, as only such
 * rows are in this index. It is made on open, outside the numbered migrations, so that releases
 * without it still open the file.
 */
export const UNKNOWN_STATE_INDEX = `CREATE INDEX IF NOT EXISTS messages_unknown_state
  ON messages (seq) WHERE state NOT IN (0, 1, 2)`;

/** Every prepared statement of one connection, by name. */
export type Statements = { -readonly [K in keyof typeof SQL]: Database.Statement };

/** Prepares every statement once per connection. */
export function prepareStatements(db: Database.Database): Statements {
  const out = {} as Statements;
  for (const key of Object.keys(SQL) as (keyof typeof SQL)[]) out[key] = db.prepare(SQL[key]);
  return out;
}
