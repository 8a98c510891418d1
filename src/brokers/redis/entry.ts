const BAR = 0x7c; // '|'
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

/** Packs a message as `<priority>|<deliveries>|<id field>|<id><body>`, the layout the scripts read. */
export function packEntry(
  priority: number,
  deliveries: number,
  id: string,
  body: Uint8Array,
): Buffer {
  const { field, bytes } = encodeId(id);
  const header = Buffer.from(`${priority}|${deliveries}|${field}|`, 'latin1');
  return Buffer.concat([header, bytes, body]);
}

/** Reads an entry; undefined when the bytes are not one (a foreign or corrupted value). */
export function unpackEntry(buf: Buffer): Entry | undefined {
  const first = buf.indexOf(BAR);
  const second = first === 1 ? buf.indexOf(BAR, 2) : -1;
  const third = second > 0 ? buf.indexOf(BAR, second + 1) : -1;
  if (third < 0) return undefined;
  const priority = Number(buf.toString('latin1', 0, 1));
  const deliveries = Number(buf.toString('latin1', 2, second));
  const field = buf.toString('latin1', second + 1, third);
  const idLength = field === 'u' ? 16 : Number(field);
  if (![priority, deliveries, idLength].every(Number.isInteger)) return undefined;
  const idEnd = third + 1 + idLength;
  if (idEnd > buf.length) return undefined;
  const id =
    field === 'u'
      ? formatUuid(buf.subarray(third + 1, idEnd))
      : buf.toString('utf8', third + 1, idEnd);
  return { priority, deliveries, id, body: buf.subarray(idEnd) };
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

/** Reads a stored dead letter; undefined for anything else. */
export function unpackDeadLetter(buf: Buffer): StoredDeadLetter | undefined {
  const first = buf.indexOf(BAR);
  const second = first > 0 ? buf.indexOf(BAR, first + 1) : -1;
  if (second < 0) return undefined;
  const failedAt = Number(buf.toString('latin1', 0, first));
  const reasonLength = Number(buf.toString('latin1', first + 1, second));
  if (!Number.isFinite(failedAt) || !Number.isInteger(reasonLength)) return undefined;
  const reasonEnd = second + 1 + reasonLength;
  return {
    failedAt,
    reason: buf.toString('utf8', second + 1, reasonEnd),
    value: buf.subarray(reasonEnd),
  };
}
