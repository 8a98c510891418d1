import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RateLimit } from '../../../../src/brokers/contract/rate-store.ts';
import { gcraAdmit, type RateState } from '../../../../src/flow/rate/gcra.ts';
import { fuzzRuns } from '../../../fuzz/fuzz-runs.ts';

const T0 = 1_700_000_000_000;
/**
 * Slack for float times: epoch ms as doubles keep about 0.2 µs, and sums of many fractional
 * intervals (1000 / 70 ms) round further; the Redis script keeps 3 decimals. 10 µs cover both.
 */
const EPSILON_MS = 0.01;

/** The first pair of starts whose window holds more than `rate × W + burst`; undefined if none. */
function windowViolation(starts: number[], limit: RateLimit): string | undefined {
  const sorted = [...starts].sort((a, b) => a - b);
  const burst = limit.burst ?? 1;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + burst; j < sorted.length; j++) {
      // Starts i..j lie in any window just longer than their span.
      const span = (sorted[j] as number) - (sorted[i] as number);
      const allowed = Math.floor((limit.count * (span + EPSILON_MS)) / limit.perMs) + burst;
      if (j - i + 1 > allowed) return `${j - i + 1} starts within ${span} ms (allowed ${allowed})`;
    }
  }
  return undefined;
}

const limits = fc.record({
  count: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(0.5, 70, 1000 / 3)),
  perMs: fc.constantFrom(1000, 60_000),
  burst: fc.integer({ min: 1, max: 5 }),
});

interface Delivery {
  message: number;
  at: number;
  booked: boolean;
  /** A duplicate delivery of a message (at-least-once brokers may hand out two). */
  copy?: boolean;
}

/**
 * Runs deliveries through the admission on one store clock: each booking sends its message
 * back at the booked time shifted by `jitter` (early, late, far late); `duplicate` delivers
 * some a second time after their first booking. Returns the admitted start times, the bookings
 * per message and how many deliveries were still pending when the step budget ran out.
 */
function simulate(
  limit: RateLimit,
  holdMs: number,
  arrivals: number[],
  jitter: number[],
  duplicate: boolean[],
) {
  let state: RateState = { booked: undefined, started: undefined };
  const queue: Delivery[] = arrivals.map((dt, message) => ({
    message,
    at: T0 + dt,
    booked: false,
  }));
  const starts: number[] = [];
  const bookings = new Map<number, number>();
  let now = T0;
  let step = 0;
  while (queue.length > 0 && step++ < 5000) {
    queue.sort((a, b) => a.at - b.at);
    const delivery = queue.shift() as Delivery;
    now = Math.max(now, delivery.at);
    const result = gcraAdmit(state, limit, {
      horizonMs: 60_000,
      holdMs,
      booked: delivery.booked,
      now,
    });
    if (result.state) state = result.state;
    const { admission } = result;
    if (admission.kind === 'start') {
      starts.push(admission.at);
      continue;
    }
    const k = bookings.get(delivery.message) ?? 0;
    // Beyond the horizon a message asks again later without a booking: not counted.
    if (admission.kind === 'booked') bookings.set(delivery.message, k + 1);
    const shift = jitter[(delivery.message + k) % jitter.length] ?? 0;
    const back = {
      message: delivery.message,
      at: admission.at + shift,
      booked: admission.kind === 'booked',
    };
    queue.push(back);
    if (k === 0 && !delivery.copy && duplicate[delivery.message % duplicate.length]) {
      queue.push({ ...back, copy: true });
    }
  }
  return { starts, bookings, left: queue.length };
}

describe('GCRA admission of actual starts', () => {
  it('admits no more than rate × W + burst starts in any window, whatever the requests', () => {
    fc.assert(
      fc.property(
        limits,
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 200 }), booked: fc.boolean() }), {
          maxLength: 150,
        }),
        (limit, holdMs, requests) => {
          let state: RateState = { booked: undefined, started: undefined };
          let now = T0;
          const starts: number[] = [];
          for (const { dt, booked } of requests) {
            now += dt;
            const step = gcraAdmit(state, limit, { horizonMs: 60_000, holdMs, booked, now });
            if (step.state) state = step.state;
            if (step.admission.kind === 'start') {
              expect(step.admission.at - now).toBeLessThanOrEqual(holdMs);
              expect(step.admission.at).toBeGreaterThanOrEqual(now);
              starts.push(step.admission.at);
            } else {
              expect(step.admission.at).toBeGreaterThan(now + holdMs);
            }
          }
          expect(windowViolation(starts, limit)).toBeUndefined();
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  it('keeps the bound for booked messages that come back early, late, twice or out of order, and starts every one', () => {
    fc.assert(
      fc.property(
        limits.filter((l) => l.perMs / l.count <= 2000),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.oneof(fc.integer({ min: -200, max: 200 }), fc.integer({ min: 0, max: 5000 })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        (limit, holdMs, arrivals, jitter, duplicate) => {
          const { starts, left } = simulate(limit, holdMs, arrivals, jitter, duplicate);
          expect(left).toBe(0);
          expect(starts.length).toBeGreaterThanOrEqual(arrivals.length);
          expect(windowViolation(starts, limit)).toBeUndefined();
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  it('books each message of a queued backlog once when each comes back within the hold of its time', () => {
    fc.assert(
      fc.property(
        limits.filter((l) => l.perMs / l.count >= 5 && l.perMs / l.count <= 2000),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (limit, holdMs, backlog, lateness) => {
          const jitter = lateness.map((f) => Math.floor(f * holdMs));
          const arrivals = Array.from({ length: backlog }, () => 0);
          const { starts, bookings } = simulate(limit, holdMs, arrivals, jitter, [false]);
          expect(starts).toHaveLength(backlog);
          expect([...bookings.values()].every((n) => n === 1)).toBe(true);
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  it('regression: booked messages that come back late all at once start one interval apart', () => {
    // 20/s: five messages booked 50 to 250 ms ahead all come back at 400 ms (a busy queue held
    // them). They once all started then, on their old bookings.
    const limit = { count: 20, perMs: 1000 };
    const backTogether = [0, 350, 300, 250, 200, 150];
    const { starts } = simulate(limit, 50, [0, 0, 0, 0, 0, 0], backTogether, [false]);
    expect(starts).toHaveLength(6);
    expect(windowViolation(starts, limit)).toBeUndefined();
    const sorted = starts.sort((a, b) => a - b).map((t) => t - T0);
    for (let i = 1; i < sorted.length; i++) {
      expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(
        50 - EPSILON_MS,
      );
    }
  });
});
