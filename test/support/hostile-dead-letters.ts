import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { redisUrl } from './redis-available.ts';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A stored body by name, as hostile as a broker's storage can hold. */
export const HOSTILE_BODIES = {
  good: Buffer.from('{"task":"e2e.record","args":[1]}'),
  // String() of this task threw "Cannot convert object to primitive value".
  taskObject: Buffer.from('{"task":{"toString":1},"args":[]}'),
  // JSON.parse reads it; JSON.stringify of it overflowed the stack.
  deepArgs: Buffer.from(`{"task":"e2e.record","args":${nested(100_000)}}`),
  notJson: Buffer.from('not json'),
  binary: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x1b]),
  huge: Buffer.from(JSON.stringify({ task: 'e2e.record', args: ['x'.repeat(2 * 1024 * 1024)] })),
  protoTask: Buffer.from('{"__proto__":{"task":"polluted"},"task":"e2e.proto","args":[]}'),
  protoOnly: Buffer.from('{"__proto__":{"task":"polluted"},"args":[]}'),
  array: Buffer.from('[1,2,3]'),
};

/** One row of `dead_letters` with any value in any column (SQLite keeps what it is given). */
export interface HostileRow {
  id: unknown;
  queue: unknown;
  body: unknown;
  reason: unknown;
  failedAt: unknown;
}

/** Writes rows straight into a SQLite broker file's dead-letter table, as another program could. */
export function storeSqliteDeadLetters(file: string, rows: HostileRow[]): void {
  const db = new Database(file);
  try {
    const insert = db.prepare(
      'INSERT INTO dead_letters (id, queue, priority, body, reason, failed_at) VALUES (?, ?, 0, ?, ?, ?)',
    );
    for (const r of rows) insert.run(r.id, r.queue, r.body, r.reason, r.failedAt);
  } finally {
    db.close();
  }
}

/** A message entry in the Redis broker's layout: `<priority>|<deliveries>|<id length>|<id><body>`. */
export function redisEntry(id: string, body: Buffer): Buffer {
  const idBytes = Buffer.from(id);
  return Buffer.concat([Buffer.from(`0|1|${idBytes.length}|`), idBytes, body]);
}

/** A dead letter in the Redis broker's layout: `<failed at>|<reason length>|<reason><value>`. */
export function redisDeadLetter(failedAt: string, reason: Buffer, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${failedAt}|${reason.length}|`), reason, value]);
}

/** Pushes raw values onto a queue's dead list under a prefix and indexes the queue. */
export async function storeRedisDeadLetters(
  prefix: string,
  queue: string,
  values: Buffer[],
): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    await client.sadd(`${prefix}:queues`, queue);
    await client.rpush(`${prefix}:{${queue}}:dead`, ...values);
  } finally {
    client.disconnect();
  }
}
