import { CeleriacError } from '../../errors/errors.ts';

const BAR = 0x7c; // '|'
/** The short form's first byte is this plus the priority: bytes UTF-8 text never holds. */
const SHORT_TAG = 0xf5;
const SHORT_HEADER = 17;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the broker reads of a stored message: header fields and the opaque body. */
export interface Entry {
  priority: number;
  deliveries: number;
  id: string;
  body: Buffer;
}

/**
 * An id as stored: a lowercase UUID (the default) as its 16 raw bytes, marked `u`, since the id
 * is a fifth of a small queued task; any other id as UTF-8 text with its byte length.
 */
export function encodeId(id: string): { field: string; bytes: Buffer } {
  if (UUID.test(id)) return { field: 'u', bytes: Buffer.from(id.replaceAll('-', ''), 'hex') };
  const bytes = Buffer.from(id, 'utf8');
  return { field: String(bytes.length), bytes };
}

/**
 * Packs a message in the layout the scripts read: a message never delivered whose id is a UUID
 * as `<0xF5 + priority><16 id bytes><body>` (the short form, 17 header bytes), any other as
 * `<priority>|<deliveries>|<id field>|<id><body>`; throws, naming the message, for a header the
 * grammar would not read back.
 */
export function packEntry(
  priority: number,
  deliveries: number,
  id: string,
  body: Uint8Array,
): Buffer {
  const problem = headerProblem(priority, deliveries, id);
  if (problem)
    throw new CeleriacError('BAD_MESSAGE', `cannot store message "${id}" in Redis: ${problem}`);
  if (deliveries === 0 && UUID.test(id)) return packShort(priority, id, body);
  const { field, bytes } = encodeId(id);
  const header = Buffer.from(`${priority}|${deliveries}|${field}|`, 'latin1');
  return Buffer.concat([header, bytes, body]);
}

function packShort(priority: number, id: string, body: Uint8Array): Buffer {
  const entry = Buffer.allocUnsafe(SHORT_HEADER + body.byteLength);
  entry[0] = SHORT_TAG + priority;
  entry.write(id.replaceAll('-', ''), 1, 16, 'hex');
  entry.set(body, SHORT_HEADER);
  return entry;
}

function headerProblem(priority: number, deliveries: number, id: string): string | undefined {
  if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
    return `priority must be an integer from 0 to 9, got ${priority}`;
  }
  if (!Number.isInteger(deliveries) || deliveries < 0 || deliveries > MAX_DELIVERIES) {
    return `delivery count must be an integer from 0 to ${MAX_DELIVERIES}, got ${deliveries}`;
  }
  if (id === '') return 'its id is empty';
  return undefined;
}

/**
 * What is wrong with bytes that are not an entry, in the words both parsers use. The grammar is
 * written out once, in `scripts/lib/entry.lua` beside `parse_entry`: readEntry accepts exactly
 * the bytes it accepts, with the same fields (a property test runs both on the same bytes).
 */
export const ENTRY_PROBLEMS = {
  priority: 'priority is not one digit 0-9 followed by |',
  deliveries: 'delivery count is not 1 to 9 digits followed by |',
  idField: 'id length is not u or 1 to 9 digits followed by |',
  idLength: 'id length is 0',
  idCut: 'entry ends inside its id',
} as const;

/** The largest delivery count an entry holds: 9 digits, exact in Lua's and JavaScript's numbers. */
export const MAX_DELIVERIES = 999_999_999;

/** An entry that did not parse, and why. */
export interface UnreadableEntry {
  problem: string;
}

// Tested on latin1 text, which maps each byte to one character, so it matches bytes exactly.
const COUNT = /^[0-9]{1,9}$/;
const FAILED_AT = /^[0-9]{1,15}$/;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Reads an entry by the shared grammar, or says what is wrong with the bytes. */
export function readEntry(buf: Buffer): Entry | UnreadableEntry {
  const first = buf[0];
  if (first !== undefined && first >= SHORT_TAG && first <= SHORT_TAG + 9) {
    if (buf.length < SHORT_HEADER) return { problem: ENTRY_PROBLEMS.idCut };
    return {
      priority: first - SHORT_TAG,
      deliveries: 0,
      id: formatUuid(buf.subarray(1, SHORT_HEADER)),
      body: buf.subarray(SHORT_HEADER),
    };
  }
  if (first === undefined || first < DIGIT_0 || first > DIGIT_9 || buf[1] !== BAR) {
    return { problem: ENTRY_PROBLEMS.priority };
  }
  const second = buf.indexOf(BAR, 2);
  if (second < 0 || !COUNT.test(buf.toString('latin1', 2, second))) {
    return { problem: ENTRY_PROBLEMS.deliveries };
  }
  const third = buf.indexOf(BAR, second + 1);
  const field = third < 0 ? '' : buf.toString('latin1', second + 1, third);
  if (field !== 'u' && !COUNT.test(field)) return { problem: ENTRY_PROBLEMS.idField };
  const idLength = field === 'u' ? 16 : Number(field);
  if (idLength < 1) return { problem: ENTRY_PROBLEMS.idLength };
  const idEnd = third + 1 + idLength;
  if (idEnd > buf.length) return { problem: ENTRY_PROBLEMS.idCut };
  const id =
    field === 'u'
      ? formatUuid(buf.subarray(third + 1, idEnd))
      : buf.toString('utf8', third + 1, idEnd);
  return {
    priority: first - DIGIT_0,
    deliveries: Number(buf.toString('latin1', 2, second)),
    id,
    body: buf.subarray(idEnd),
  };
}

/** Reads an entry; undefined when the bytes are not one (a foreign or corrupted value). */
export function unpackEntry(buf: Buffer): Entry | undefined {
  const read = readEntry(buf);
  return 'problem' in read ? undefined : read;
}

function formatUuid(raw: Buffer): string {
  const hex = raw.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A dead letter as stored: `<failed at>|<reason bytes>|<reason><entry or raw value>`. */
export interface StoredDeadLetter {
  failedAt: number;
  reason: string;
  value: Buffer;
}

/**
 * Reads a stored dead letter as `parse_dead` in `scripts/lib/entry.lua` does: the time 1 to 15
 * digits, the reason length 1 to 9 digits, and that many reason bytes; undefined for anything else.
 */
export function unpackDeadLetter(buf: Buffer): StoredDeadLetter | undefined {
  const first = buf.indexOf(BAR);
  const second = first > 0 ? buf.indexOf(BAR, first + 1) : -1;
  if (second < 0) return undefined;
  const at = buf.toString('latin1', 0, first);
  const length = buf.toString('latin1', first + 1, second);
  if (!FAILED_AT.test(at) || !COUNT.test(length)) return undefined;
  const reasonEnd = second + 1 + Number(length);
  if (reasonEnd > buf.length) return undefined;
  return {
    failedAt: Number(at),
    reason: buf.toString('utf8', second + 1, reasonEnd),
    value: buf.subarray(reasonEnd),
  };
}
