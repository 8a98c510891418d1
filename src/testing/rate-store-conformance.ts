import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RateLimit, RateStore } from '../flow/rate/rate-store.ts';

/** A fixed instant: every case books on a fake clock, so no case depends on timing. */
const NOW = 1_700_000_000_000;
const PER_SECOND = (count: number, burst?: number): RateLimit => ({ count, perMs: 1000, burst });
const HORIZON = 60_000;

/** Books `n` starts of one key at the same instant; returns their offsets from it. */
async function bookMany(store: RateStore, task: string, limit: RateLimit, n: number, now = NOW) {
  const offsets: number[] = [];
  for (let i = 0; i < n; i++)
    offsets.push((await store.book(task, '', limit, HORIZON, now)).at - now);
  return offsets;
}

function expectOffsets(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, value] of expected.entries()) expect(actual[i]).toBeCloseTo(value, 2);
}

/**
 * Registers the cases every RateStore must pass unchanged. `makeStore` may return the same
 * store each time: every case books under task names of its own.
 */
export function rateStoreConformance(
  name: string,
  makeStore: () => Promise<RateStore> | RateStore,
): void {
  describe(`${name} rate store`, () => {
    const task = () => `rate-${randomUUID().slice(0, 8)}`;

    it('books starts exactly 1/rate apart for bookings at the same instant', async () => {
      const store = await makeStore();
      const offsets = await bookMany(store, task(), PER_SECOND(70), 5);
      expectOffsets(
        offsets,
        [0, 1, 2, 3, 4].map((k) => (k * 1000) / 70),
      );
    });

    it('lets a burst start at once, then spaces the rest', async () => {
      const store = await makeStore();
      const offsets = await bookMany(store, task(), PER_SECOND(10, 3), 5);
      expectOffsets(offsets, [0, 0, 0, 100, 200]);
    });

    it('gives no credit for a quiet spell beyond the burst', async () => {
      const store = await makeStore();
      const t = task();
      await bookMany(store, t, PER_SECOND(10), 1);
      const later = await bookMany(store, t, PER_SECOND(10), 3, NOW + 5000);
      expectOffsets(later, [0, 100, 200]);
    });

    it('does not book starts beyond the horizon, and leaves the state as it was', async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(10);
      const booked = [];
      for (let i = 0; i < 11; i++) booked.push(await store.book(t, '', limit, 1000, NOW));
      expect(booked.every((b) => b.booked)).toBe(true);
      expect(booked.at(-1)?.at).toBeCloseTo(NOW + 1000, 2);
      const over = await store.book(t, '', limit, 1000, NOW);
      expect(over).toEqual({ at: NOW + 1000, booked: false, now: NOW });
      const next = await store.book(t, '', limit, 1000, NOW + 500);
      expect(next.booked).toBe(true);
      expect(next.at).toBeCloseTo(NOW + 1100, 2);
    });

    it('keeps one state per key and per task', async () => {
      const store = await makeStore();
      const [t1, t2] = [task(), task()];
      const limit = PER_SECOND(1);
      const first = [
        await store.book(t1, 'acct-1', limit, HORIZON, NOW),
        await store.book(t1, 'acct-2', limit, HORIZON, NOW),
        await store.book(t2, 'acct-1', limit, HORIZON, NOW),
        await store.book(t1, '', limit, HORIZON, NOW),
      ];
      expect(first.map((b) => b.at - NOW)).toEqual([0, 0, 0, 0]);
      const again = await store.book(t1, 'acct-1', limit, HORIZON, NOW);
      expect(again.at - NOW).toBeCloseTo(1000, 2);
    });

    it('follows a runtime override for new bookings, for every key, until it is cleared', async () => {
      const store = await makeStore();
      const t = task();
      const code = PER_SECOND(100);
      expectOffsets(await bookMany(store, t, code, 2), [0, 10]);
      await store.setOverride(t, PER_SECOND(2));
      // The override applies from the state left by earlier bookings (TAT NOW + 20).
      expectOffsets(await bookMany(store, t, code, 2), [20, 520]);
      const other = await store.book(t, 'another-key', code, HORIZON, NOW);
      expect(other.at).toBe(NOW);
      expectOffsets([(await store.book(t, 'another-key', code, HORIZON, NOW)).at - NOW], [500]);
      expect((await store.overrides()).get(t)).toEqual({ count: 2, perMs: 1000, burst: 1 });
      await store.setOverride(t, null);
      expect((await store.overrides()).has(t)).toBe(false);
      expectOffsets(await bookMany(store, t, code, 2), [1020, 1030]);
    });

    it("'off' lets every start run at once without touching the state", async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(1);
      await store.book(t, '', limit, HORIZON, NOW);
      await store.setOverride(t, 'off');
      const free = await bookMany(store, t, limit, 3);
      expect(free).toEqual([0, 0, 0]);
      expect((await store.overrides()).get(t)).toBe('off');
      await store.setOverride(t, null);
      expectOffsets(await bookMany(store, t, limit, 1), [1000]);
    });

    it('books on its own clock when no time is given', async () => {
      const store = await makeStore();
      const booking = await store.book(task(), '', PER_SECOND(1), HORIZON);
      expect(booking.booked).toBe(true);
      expect(booking.at).toBe(booking.now);
      expect(Number.isFinite(booking.now)).toBe(true);
    });
  });
}
