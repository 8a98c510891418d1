import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../../src/envelope/envelope.ts';
import { claimTtlMs } from '../../../../src/flow/unique/send-unique.ts';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

function envelope(fields: Partial<Envelope> = {}): Envelope {
  return { v: 1, id: 'a', task: 't', args: [], queue: 'q', retries: 0, rootId: 'a', ...fields };
}

describe('claimTtlMs', () => {
  it('is the ttl for a task due now', () => {
    expect(claimTtlMs(HOUR, envelope(), NOW)).toBe(HOUR);
  });

  it('counts the ttl from the eta, so a countdown does not eat into it', () => {
    const eta = new Date(NOW + 5 * HOUR).toISOString();
    expect(claimTtlMs(HOUR, envelope({ eta }), NOW)).toBe(6 * HOUR);
  });

  it('counts from now when the eta has passed', () => {
    const eta = new Date(NOW - HOUR).toISOString();
    expect(claimTtlMs(HOUR, envelope({ eta }), NOW)).toBe(HOUR);
  });

  it('ends at the expiry, after which the task cannot start', () => {
    const expires = new Date(NOW + 60_000).toISOString();
    expect(claimTtlMs(HOUR, envelope({ expires }), NOW)).toBe(60_000);
  });

  it('is at least 1 ms, even for a task that has already expired', () => {
    const expires = new Date(NOW - 60_000).toISOString();
    expect(claimTtlMs(HOUR, envelope({ expires }), NOW)).toBe(1);
  });
});
