import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type {
  RateAdmission,
  RateLimit,
  RateRequest,
  RateStore,
} from '../brokers/contract/rate-store.ts';

/** A fixed instant: every case asks on a fake clock, so no case depends on timing. */
const NOW = 1_700_000_000_000;
const PER_SECOND = (count: number, burst?: number): RateLimit => ({ count, perMs: 1000, burst });
const HORIZON = 60_000;

/** A new message's request at `now`, with no hold (a later start is always booked). */
function fresh(now = NOW, more: Partial<RateRequest> = {}): RateRequest {
  return { horizonMs: HORIZON, holdMs: 0, booked: false, now, ...more };
}

/** The same for a message that returns carrying its booking. */
function returning(now: number, more: Partial<RateRequest> = {}): RateRequest {
  return fresh(now, { booked: true, ...more });
}

/** Asks for `n` new messages of one key at the same instant; returns their offsets from it. */
async function admitMany(store: RateStore, task: string, limit: RateLimit, n: number, now = NOW) {
  const offsets: number[] = [];
  for (let i = 0; i < n; i++)
    offsets.push((await store.admit(task, '', limit, fresh(now))).at - now);
  return offsets;
}

function expectOffsets(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, value] of expected.entries()) expect(actual[i]).toBeCloseTo(value, 2);
}

function expectAdmission(actual: RateAdmission, kind: RateAdmission['kind'], at: number): void {
  expect(actual.kind).toBe(kind);
  expect(actual.at).toBeCloseTo(at, 2);
}

/**
 * Registers the cases every RateStore must pass unchanged. `makeStore` may return the same
 * store each time: every case asks under task names of its own.
 */
export function rateStoreConformance(
  name: string,
  makeStore: () => Promise<RateStore> | RateStore,
): void {
  describe(`${name} rate store`, () => {
    const task = () => `rate-${randomUUID().slice(0, 8)}`;

    it('starts the first message at once and books the others exactly 1/rate apart', async () => {
      const store = await makeStore();
      const t = task();
      const kinds = [];
      for (let i = 0; i < 5; i++) kinds.push(await store.admit(t, '', PER_SECOND(70), fresh()));
      expect(kinds.map((a) => a.kind)).toEqual(['start', 'booked', 'booked', 'booked', 'booked']);
      expectOffsets(
        kinds.map((a) => a.at - NOW),
        [0, 1, 2, 3, 4].map((k) => (k * 1000) / 70),
      );
    });

    it('lets a burst start at once, then spaces the rest', async () => {
      const store = await makeStore();
      const offsets = await admitMany(store, task(), PER_SECOND(10, 3), 5);
      expectOffsets(offsets, [0, 0, 0, 100, 200]);
    });

    it('gives no credit for a quiet spell beyond the burst', async () => {
      const store = await makeStore();
      const t = task();
      await admitMany(store, t, PER_SECOND(10), 1);
      const later = await admitMany(store, t, PER_SECOND(10), 3, NOW + 5000);
      expectOffsets(later, [0, 100, 200]);
    });

    it('admits a start within the hold rather than booking it', async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(10);
      expectAdmission(await store.admit(t, '', limit, fresh(NOW, { holdMs: 50 })), 'start', NOW);
      const held = await store.admit(t, '', limit, fresh(NOW + 60, { holdMs: 50 }));
      expectAdmission(held, 'start', NOW + 100);
      const beyond = await store.admit(t, '', limit, fresh(NOW + 60, { holdMs: 50 }));
      expectAdmission(beyond, 'booked', NOW + 200);
    });

    it('admits a booked message that returns on time; one that returns late books again', async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(10);
      await admitMany(store, t, limit, 4); // starts at once; booked at +100, +200, +300
      expectAdmission(await store.admit(t, '', limit, returning(NOW + 100)), 'start', NOW + 100);
      // The +200 message comes back 80 ms late: nothing is in its way, so it starts then.
      expectAdmission(await store.admit(t, '', limit, returning(NOW + 280)), 'start', NOW + 280);
      // The +300 one is on time, but a start now would come 20 ms after the late one: it books
      // again, behind every booking made so far.
      expectAdmission(await store.admit(t, '', limit, returning(NOW + 300)), 'booked', NOW + 400);
      // Within a hold it would wait instead (here until 100 ms after the late start).
      const held = await store.admit(t, '', limit, returning(NOW + 300, { holdMs: 80 }));
      expectAdmission(held, 'start', NOW + 380);
    });

    it('admits a booked message ahead of new ones, which queue behind the bookings', async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(10);
      await admitMany(store, t, limit, 3); // starts at once; booked at +100 and +200
      expectAdmission(await store.admit(t, '', limit, fresh(NOW + 100)), 'booked', NOW + 300);
      expectAdmission(await store.admit(t, '', limit, returning(NOW + 100)), 'start', NOW + 100);
    });

    it('does not book starts beyond the horizon, and leaves the state as it was', async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(10);
      const short = (now: number) => fresh(now, { horizonMs: 1000 });
      const answers = [];
      for (let i = 0; i < 11; i++) answers.push(await store.admit(t, '', limit, short(NOW)));
      expect(answers.every((b) => b.kind !== 'full')).toBe(true);
      expect(answers.at(-1)?.at).toBeCloseTo(NOW + 1000, 2);
      const over = await store.admit(t, '', limit, short(NOW));
      expect(over).toEqual({ kind: 'full', at: NOW + 1000, now: NOW });
      const next = await store.admit(t, '', limit, short(NOW + 500));
      expectAdmission(next, 'booked', NOW + 1100);
    });

    it('keeps one state per key and per task', async () => {
      const store = await makeStore();
      const [t1, t2] = [task(), task()];
      const limit = PER_SECOND(1);
      const first = [
        await store.admit(t1, 'acct-1', limit, fresh()),
        await store.admit(t1, 'acct-2', limit, fresh()),
        await store.admit(t2, 'acct-1', limit, fresh()),
        await store.admit(t1, '', limit, fresh()),
      ];
      expect(first.map((b) => [b.kind, b.at - NOW])).toEqual([
        ['start', 0],
        ['start', 0],
        ['start', 0],
        ['start', 0],
      ]);
      expectAdmission(await store.admit(t1, 'acct-1', limit, fresh()), 'booked', NOW + 1000);
    });

    it('follows a runtime override for new bookings, for every key, until it is cleared', async () => {
      const store = await makeStore();
      const t = task();
      const code = PER_SECOND(100);
      expectOffsets(await admitMany(store, t, code, 2), [0, 10]);
      await store.setOverride(t, PER_SECOND(2));
      // The override applies from the state left by earlier bookings (TAT NOW + 20).
      expectOffsets(await admitMany(store, t, code, 2), [20, 520]);
      expectAdmission(await store.admit(t, 'another-key', code, fresh()), 'start', NOW);
      expectAdmission(await store.admit(t, 'another-key', code, fresh()), 'booked', NOW + 500);
      expect((await store.overrides()).get(t)).toEqual({ count: 2, perMs: 1000, burst: 1 });
      await store.setOverride(t, null);
      expect((await store.overrides()).has(t)).toBe(false);
      expectOffsets(await admitMany(store, t, code, 2), [1020, 1030]);
    });

    it("'off' lets every start run at once without touching the state", async () => {
      const store = await makeStore();
      const t = task();
      const limit = PER_SECOND(1);
      await store.admit(t, '', limit, fresh());
      await store.setOverride(t, 'off');
      const free = [];
      for (let i = 0; i < 3; i++) free.push(await store.admit(t, '', limit, fresh()));
      expect(free).toEqual([0, 1, 2].map(() => ({ kind: 'start', at: NOW, now: NOW })));
      expect((await store.overrides()).get(t)).toBe('off');
      await store.setOverride(t, null);
      expectOffsets(await admitMany(store, t, limit, 1), [1000]);
    });

    it("a start carries the deciding limit's interval: the override's when one is set", async () => {
      const store = await makeStore();
      const t = task();
      const code = PER_SECOND(50);
      const first = await store.admit(t, '', code, fresh());
      expect([first.kind, first.intervalMs]).toEqual(['start', 20]);
      await store.setOverride(t, PER_SECOND(4));
      const slower = await store.admit(t, 'other', code, fresh());
      expect([slower.kind, slower.intervalMs]).toEqual(['start', 250]);
      await store.setOverride(t, 'off');
      expect((await store.admit(t, '', code, fresh())).intervalMs).toBeUndefined();
    });

    it('decides on its own clock when no time is given', async () => {
      const store = await makeStore();
      const { now: _, ...request } = fresh();
      const admission = await store.admit(task(), '', PER_SECOND(1), request);
      expect(admission.kind).toBe('start');
      expect(admission.at).toBe(admission.now);
      expect(Number.isFinite(admission.now)).toBe(true);
    });
  });
}
