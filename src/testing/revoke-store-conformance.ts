import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RevokedId, RevokeStore } from '../brokers/contract/revoke-store.ts';
import { pollUntil } from './control-waits.ts';

/** Never lapses while a case runs. */
const LONG_TTL = 600_000;
/** Lapses soon enough that waiting for it keeps a case short. */
const SHORT_TTL = 300;
const MANY = 10_000;

/**
 * Registers the tests every `RevokeStore` must pass unchanged. `peers` returns two handles on one
 * store, standing for two processes (for an in-process store, the same object twice). Each case
 * revokes ids no other case uses; `revoked()` may list other cases' ids too.
 */
export function revokeStoreConformance(
  name: string,
  peers: () => readonly [RevokeStore, RevokeStore],
): void {
  const fresh = () => `conformance-${randomUUID()}`;
  const freshMany = (n: number) => Array.from({ length: n }, fresh);
  const expiryOf = async (store: RevokeStore, id: string) =>
    (await store.revoked()).find((r) => r.id === id)?.expiresAt;

  describe(`${name} revoke store conformance`, () => {
    it('a revoke on one peer is seen by the other; unknown ids are not revoked', async () => {
      const [a, b] = peers();
      const [x, y, unknown] = [fresh(), fresh(), fresh()];
      await a.revoke([x, y], LONG_TTL);
      expect(await b.whichRevoked([unknown, y, x])).toEqual(new Set([x, y]));
      expect(await b.whichRevoked([])).toEqual(new Set());
      const listed = (await b.revoked()).filter((r) => r.id === x || r.id === y);
      expect(listed.map((r) => r.id).sort()).toEqual([x, y].sort());
      expect(listed[0]?.expiresAt).toBeGreaterThan(Date.now());
    });

    it('a revoke lapses after its ttl', async () => {
      const [a, b] = peers();
      const [short, long] = [fresh(), fresh()];
      await a.revoke([long], LONG_TTL);
      await a.revoke([short], SHORT_TTL);
      await pollUntil(
        async () => (await b.whichRevoked([short])).size === 0,
        'the revoke to lapse',
      );
      expect(await b.whichRevoked([short, long])).toEqual(new Set([long]));
      expect((await b.revoked()).some((r) => r.id === short)).toBe(false);
    });

    it('a later revoke extends an id, and a shorter one never shortens it', async () => {
      const [a, b] = peers();
      const [extended, witness] = [fresh(), fresh()];
      await a.revoke([extended], SHORT_TTL);
      await b.revoke([extended], LONG_TTL);
      const expiry = await expiryOf(a, extended);
      await a.revoke([extended], SHORT_TTL);
      expect(await expiryOf(b, extended)).toBe(expiry);
      // The witness was revoked after the first short revoke: once it lapsed, that one would have.
      await a.revoke([witness], SHORT_TTL);
      await pollUntil(async () => (await a.whichRevoked([witness])).size === 0, 'the witness');
      expect(await b.whichRevoked([extended])).toEqual(new Set([extended]));
    });

    it('lists soonest to lapse first, at most `limit`', async () => {
      const [a, b] = peers();
      const ids = freshMany(3);
      for (const [i, id] of ids.entries()) await a.revoke([id], LONG_TTL + i * 60_000);
      const ours = (await b.revoked()).filter((r) => ids.includes(r.id));
      expect(ours.map((r) => r.id)).toEqual(ids);
      expectSorted(await b.revoked());
      const two = await b.revoked(2);
      expect(two).toHaveLength(2);
      expectSorted(two);
      expect(await b.revoked(0)).toEqual([]);
    });

    it(`revokes ${MANY} ids in one call`, async () => {
      const [a, b] = peers();
      const ids = freshMany(MANY);
      await a.revoke(ids, LONG_TTL);
      const asked = [...ids, ...freshMany(10)];
      expect(await b.whichRevoked(asked)).toEqual(new Set(ids));
      const listed = new Set((await b.revoked()).map((r) => r.id));
      expect(ids.every((id) => listed.has(id))).toBe(true);
    });

    it('revoking no ids is allowed', async () => {
      const [a] = peers();
      await expect(a.revoke([], LONG_TTL)).resolves.toBeUndefined();
    });

    it('refuses a ttl that is not above zero and a limit that is not a whole number', async () => {
      const [a] = peers();
      await expect(a.revoke([fresh()], 0)).rejects.toThrow(
        'revoke needs a ttl in ms above zero, got 0',
      );
      await expect(a.revoke([fresh()], Number.NaN)).rejects.toThrow('got NaN');
      await expect(a.revoked(-1)).rejects.toThrow(
        'limit must be a whole number ≥ 0 or Infinity, got -1',
      );
      await expect(a.revoked(1.5)).rejects.toThrow('got 1.5');
    });
  });
}

function expectSorted(list: RevokedId[]): void {
  const expiries = list.map((r) => r.expiresAt);
  expect(expiries).toEqual([...expiries].sort((x, y) => x - y));
}
