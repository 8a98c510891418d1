import { randomFillSync } from 'node:crypto';

// Random bytes drawn in blocks: one getrandom call serves 256 ids, as randomUUID() does.
const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(POOL_IDS * 10);
let next = POOL_IDS;
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
    const time = (ms % 2 ** 48).toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  pool[r] = 0x80 | ((pool[r] as number) & 0x3f); // the variant, in the byte that starts the fourth group
  // 20 random digits: 4 for the variant group (its first holds the variant bits), 12 for the
  // last group, 3 after the version digit; one is left over.
  const random = pool.toString('hex', r, r + 10);
  return `${prefix}${random.slice(17, 20)}-${random.slice(0, 4)}-${random.slice(4, 16)}`;
}

/** The epoch ms a UUIDv7 was made at; undefined for any other id. */
export function uuidV7Time(id: string): number | undefined {
  if (id.length !== 36 || id.charCodeAt(14) !== 0x37 || !V7.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
