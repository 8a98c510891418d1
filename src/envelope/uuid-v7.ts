import { randomFillSync } from 'node:crypto';

// Random bytes drawn in blocks: one getrandom call serves 256 ids, as randomUUID() does.
const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(POOL_IDS * 10);
let next = POOL_IDS;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** The two hex digits of a byte. */
const hex = (byte: number): string => HEX[byte] as string;
/** A byte of the random pool. */
const byteAt = (i: number): number => pool[i] as number;
let prefixMs = -1;
let prefix = '';
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A new UUIDv7 (RFC 9562) for epoch ms `now`: 48 bits of time, then 74 random bits. Task ids
 * carry their send time this way, so the message need not (a queued task's bytes are most of
 * a broker's memory), and ids sort by the time they were made.
 */
export function uuidV7(now: number): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const r = next++ * 10;
  const ms = Math.max(0, Math.floor(now));
  if (ms !== prefixMs) {
    prefixMs = ms;
    const high = Math.floor(ms / 0x1000000) % 0x1000000; // the top 24 of the 48 bits
    const low = ms % 0x1000000;
    prefix = `${hex(high >>> 16)}${hex((high >>> 8) & 0xff)}${hex(high & 0xff)}${hex(low >>> 16)}-${hex((low >>> 8) & 0xff)}${hex(low & 0xff)}-7`;
  }
  pool[r] = 0x80 | (byteAt(r) & 0x3f); // the variant, in the byte that starts the fourth group
  const random = pool.toString('hex', r, r + 10); // 20 digits: 3 after the version, then 17
  return `${prefix}${random.slice(17, 20)}-${random.slice(0, 4)}-${random.slice(4, 16)}`;
}

/** The epoch ms a UUIDv7 was made at; undefined for any other id. */
export function uuidV7Time(id: string): number | undefined {
  if (id.length !== 36 || id.charCodeAt(14) !== 0x37 || !V7.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
