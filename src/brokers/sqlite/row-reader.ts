import type { DeadLetter, Delivery } from '../contract/index.ts';

/**
 * What SQLite hands back for a column: a row written by this code has the types the schema
 * names, but the file is shared, and another program (or a hand-written INSERT) may store any
 * value in any column.
 */
export type StoredValue = string | number | bigint | Buffer | null;

/** A reserved row as `UPDATE ... RETURNING` yields it, before it is checked. */
export interface RawReservedRow {
  seq: number;
  id: StoredValue;
  queue: string;
  priority: StoredValue;
  /** The count after this delivery, or text naming the stored value when it was unreadable. */
  deliveryCount: StoredValue;
  receipt: string;
  body: StoredValue;
}

/** A row on its way to the dead letters, as stored. */
export interface RawMovedRow {
  seq: number;
  id: StoredValue;
  queue: StoredValue;
  priority: StoredValue;
  body: StoredValue;
}

/** The largest delivery count a row holds (as on Redis: exact in every reader's numbers). */
export const MAX_DELIVERIES = 999_999_999;

/** A short description of a stored value for a reason: its type and (cut) content. */
export function describeStored(value: StoredValue): string {
  if (value === null) return 'NULL';
  if (Buffer.isBuffer(value)) return `a blob of ${value.length} bytes`;
  if (typeof value === 'string') return `text ${JSON.stringify(cut(value))}`;
  return String(value);
}

/** A reserved row as a delivery, or the reason it cannot be one (naming the column). */
export function readReservedRow(row: RawReservedRow): Delivery | { problem: string } {
  const { id, priority, deliveryCount, body } = row;
  if (typeof id !== 'string') return unreadable(row, 'id', id, 'text');
  if (typeof priority !== 'number' || !isIntegerIn(priority, 0, 9)) {
    return unreadable(row, 'priority', priority, 'an integer from 0 to 9');
  }
  if (typeof deliveryCount !== 'number' || !isIntegerIn(deliveryCount, 1, MAX_DELIVERIES)) {
    // reserveFrom stores the unreadable count as 'unreadable <quoted value>'.
    const stored = String(deliveryCount).replace(/^unreadable /, '');
    return {
      problem: reason(
        row.seq,
        `delivery_count is ${cut(stored)}, not an integer from 0 to ${MAX_DELIVERIES - 1}`,
      ),
    };
  }
  if (!Buffer.isBuffer(body) && typeof body !== 'string') {
    return unreadable(row, 'body', body, 'a blob or text');
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { id, queue: row.queue, priority, deliveryCount, receipt: row.receipt, body: bytes };
}

/** The reason a row whose due time or lease expiry is not a time gets dead-lettered. */
export function untimedProblem(seq: number, availableAt: StoredValue): string {
  return reason(seq, `available_at is ${describeStored(availableAt)}, not a time in epoch ms`);
}

/** The reason a row whose state is none of ready, reserved, delayed gets dead-lettered. */
export function stateProblem(seq: number, state: StoredValue): string {
  return reason(seq, `state is ${describeStored(state)}, not 0, 1 or 2`);
}

/** The parameters of `insertDead` for a row, with every column coerced to its schema type. */
export function deadLetterParams(row: RawMovedRow, why: string, failedAt: number) {
  return {
    id: asText(row.id),
    queue: asText(row.queue),
    priority:
      typeof row.priority === 'number' && isIntegerIn(row.priority, 0, 9) ? row.priority : 0,
    body: asBytes(row.body),
    reason: why,
    failedAt,
  };
}

/** A dead-letter row as listed, with every field of the type the API promises. */
export function readDeadLetterRow(row: Record<string, StoredValue>): DeadLetter {
  const failedAt = Number(row.failedAt);
  return {
    id: asText(row.id ?? null),
    queue: asText(row.queue ?? null),
    body: asBytes(row.body ?? null),
    reason: asText(row.reason ?? null),
    // NaN, not 0: a listing must show the time as unreadable, not as 1970.
    failedAt: Number.isFinite(failedAt) ? failedAt : Number.NaN,
  };
}

function unreadable(
  row: RawReservedRow,
  column: string,
  value: StoredValue,
  expected: string,
): { problem: string } {
  return { problem: reason(row.seq, `${column} is ${describeStored(value)}, not ${expected}`) };
}

function reason(seq: number, what: string): string {
  return `unreadable stored message (row ${seq}): ${what}`;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function asText(value: StoredValue): string {
  if (value === null) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function asBytes(value: StoredValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value === null ? '' : String(value), 'utf8');
}

function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
