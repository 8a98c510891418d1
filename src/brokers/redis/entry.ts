const BAR = 0x7c; // '|'

/** What the broker reads of a stored message: header fields and the opaque body. */
export interface Entry {
  priority: number;
  deliveries: number;
  id: string;
  body: Buffer;
}

/** Packs a message as `<priority>|<deliveries>|<id bytes>|<id><body>`, the layout the scripts read. */
export function packEntry(
  priority: number,
  deliveries: number,
  id: string,
  body: Uint8Array,
): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  const header = Buffer.from(`${priority}|${deliveries}|${idBytes.length}|`, 'latin1');
  return Buffer.concat([header, idBytes, body]);
}

/** Reads an entry; undefined when the bytes are not one (a foreign or corrupted value). */
export function unpackEntry(buf: Buffer): Entry | undefined {
  const first = buf.indexOf(BAR);
  const second = first === 1 ? buf.indexOf(BAR, 2) : -1;
  const third = second > 0 ? buf.indexOf(BAR, second + 1) : -1;
  if (third < 0) return undefined;
  const priority = Number(buf.toString('latin1', 0, 1));
  const deliveries = Number(buf.toString('latin1', 2, second));
  const idLength = Number(buf.toString('latin1', second + 1, third));
  if (![priority, deliveries, idLength].every(Number.isInteger)) return undefined;
  const idEnd = third + 1 + idLength;
  if (idEnd > buf.length) return undefined;
  return {
    priority,
    deliveries,
    id: buf.toString('utf8', third + 1, idEnd),
    body: buf.subarray(idEnd),
  };
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
