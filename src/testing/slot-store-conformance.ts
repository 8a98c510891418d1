import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SlotStore } from '../brokers/contract/slot-store.ts';

/** A fixed clock for every case: expiries are checked with injected times, never by sleeping. */
const T0 = 1_700_000_000_000;
const TTL = 10_000;

/**
 * Registers the tests every `SlotStore` must pass unchanged. `store` returns the store under
 * test (connected); each case uses keys no other case uses.
 */
export function slotStoreConformance(name: string, store: () => SlotStore): void {
  const fresh = () => `conformance-${randomUUID().slice(0, 8)}`;

  describe(`${name} slot store conformance`, () => {
    it('grants up to the limit, then refuses with the first expiry', async () => {
      const key = fresh();
      const s = store();
      expect(await s.acquire(key, 2, 'a', TTL, T0)).toEqual({ acquired: true });
      expect(await s.acquire(key, 2, 'b', TTL, T0 + 5)).toEqual({ acquired: true });
      expect(await s.acquire(key, 2, 'c', TTL, T0 + 6)).toEqual({
        acquired: false,
        retryAt: T0 + TTL,
      });
    });

    it('a lock (limit 1) admits one holder; its own retake refreshes it', async () => {
      const key = fresh();
      const s = store();
      expect(await s.acquire(key, 1, 'a', TTL, T0)).toEqual({ acquired: true });
      expect(await s.acquire(key, 1, 'a', TTL, T0 + 100)).toEqual({ acquired: true });
      expect(await s.acquire(key, 1, 'b', TTL, T0 + 200)).toEqual({
        acquired: false,
        retryAt: T0 + 100 + TTL,
      });
    });

    it('an expired hold frees its slot', async () => {
      const key = fresh();
      const s = store();
      await s.acquire(key, 1, 'a', TTL, T0);
      expect((await s.acquire(key, 1, 'b', TTL, T0 + TTL - 1)).acquired).toBe(false);
      expect(await s.acquire(key, 1, 'b', TTL, T0 + TTL)).toEqual({ acquired: true });
    });

    it('renewal keeps a hold past its first expiry and counts live holds', async () => {
      const [k1, k2] = [fresh(), fresh()];
      const s = store();
      await s.acquire(k1, 1, 'a', TTL, T0);
      await s.acquire(k2, 3, 'a', TTL, T0);
      const holds = [
        { key: k1, holder: 'a', ttlMs: TTL },
        { key: k2, holder: 'a', ttlMs: TTL },
        { key: k2, holder: 'never-held', ttlMs: TTL },
      ];
      expect(await s.renew(holds, T0 + 5000)).toBe(2);
      expect(await s.acquire(k1, 1, 'b', TTL, T0 + TTL + 1)).toEqual({
        acquired: false,
        retryAt: T0 + 5000 + TTL,
      });
      expect(await s.renew([], T0)).toBe(0);
    });

    it('an expired hold is not revived by renewal', async () => {
      const key = fresh();
      const s = store();
      await s.acquire(key, 1, 'a', TTL, T0);
      expect(await s.renew([{ key, holder: 'a', ttlMs: TTL }], T0 + TTL)).toBe(0);
      expect(await s.acquire(key, 1, 'b', TTL, T0 + TTL + 1)).toEqual({ acquired: true });
    });

    it('release frees only the releasing holder', async () => {
      const key = fresh();
      const s = store();
      await s.acquire(key, 2, 'a', TTL, T0);
      await s.acquire(key, 2, 'b', TTL, T0);
      await s.release(key, 'c');
      expect((await s.acquire(key, 2, 'c', TTL, T0 + 1)).acquired).toBe(false);
      await s.release(key, 'a');
      expect(await s.acquire(key, 2, 'c', TTL, T0 + 2)).toEqual({ acquired: true });
      expect((await s.acquire(key, 2, 'd', TTL, T0 + 3)).acquired).toBe(false);
    });

    it("a holder whose hold expired cannot release its successor's", async () => {
      const key = fresh();
      const s = store();
      await s.acquire(key, 1, 'paused', TTL, T0);
      expect(await s.acquire(key, 1, 'next', TTL, T0 + TTL)).toEqual({ acquired: true });
      await s.release(key, 'paused');
      expect((await s.acquire(key, 1, 'third', TTL, T0 + TTL + 1)).acquired).toBe(false);
      expect(await s.renew([{ key, holder: 'paused', ttlMs: TTL }], T0 + TTL + 2)).toBe(0);
    });

    it('keys are independent', async () => {
      const [k1, k2] = [fresh(), fresh()];
      const s = store();
      expect(await s.acquire(k1, 1, 'a', TTL, T0)).toEqual({ acquired: true });
      expect(await s.acquire(k2, 1, 'b', TTL, T0)).toEqual({ acquired: true });
      expect((await s.acquire(k1, 1, 'b', TTL, T0)).acquired).toBe(false);
    });

    it("without an injected time the store's own clock counts", async () => {
      const key = fresh();
      const s = store();
      const before = Date.now();
      expect(await s.acquire(key, 1, 'a', TTL)).toEqual({ acquired: true });
      const refused = await s.acquire(key, 1, 'b', TTL);
      expect(refused.acquired).toBe(false);
      if (refused.acquired) return;
      // Far from any clock skew worth a test: the hold expires about TTL from now.
      expect(refused.retryAt).toBeGreaterThan(before + TTL / 2);
      expect(await s.renew([{ key, holder: 'a', ttlMs: TTL }])).toBe(1);
      await s.release(key, 'a');
      expect(await s.acquire(key, 1, 'b', TTL)).toEqual({ acquired: true });
      await s.release(key, 'b');
    });
  });
}
