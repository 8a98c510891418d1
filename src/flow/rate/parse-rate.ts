import type { RateLimit } from '../../brokers/contract/rate-store.ts';

const PER_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
const RATE = /^(\d+(?:\.\d+)?)\/([smh])$/;

/** What a valid rate looks like, for error messages. */
export const RATE_EXAMPLE =
  'a rate such as "70/s", "100/m" or "0.5/s" (a count above zero per s, m or h)';

/** Parses `'70/s'`, `'100/m'`, `'1000/h'` or a fraction such as `'0.5/s'`; throws a RangeError. */
export function parseRate(text: unknown): RateLimit {
  const match = typeof text === 'string' ? RATE.exec(text) : null;
  const count = Number(match?.[1]);
  if (!match || !(count > 0)) {
    throw new RangeError(`expected ${RATE_EXAMPLE}, got ${JSON.stringify(text)}`);
  }
  return { count, perMs: PER_MS[match[2] as string] as number };
}

/** A rate as text again (`'70/s'`), with its burst when above 1. */
export function formatRate(limit: RateLimit): string {
  const unit = Object.entries(PER_MS).find(([, ms]) => ms === limit.perMs)?.[0];
  const rate = unit ? `${limit.count}/${unit}` : `${limit.count} per ${limit.perMs} ms`;
  return (limit.burst ?? 1) > 1 ? `${rate} (burst ${limit.burst})` : rate;
}
