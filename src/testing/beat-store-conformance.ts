import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BeatStore, StoredEntry } from '../brokers/contract/beat-store.ts';

/** Long enough that a lease taken by one case never runs out while the case runs. */
const LONG_TTL = 60_000;
/** Short enough that polling for a takeover finishes quickly. */
const SHORT_TTL = 250;
/** How long a takeover may take before the case fails (a loaded machine may be slow). */
const TAKEOVER_DEADLINE_MS = 5_000;
const T0 = 1_700_000_000_000;

/** Calls `attempt` until it returns true or the deadline passes; returns its last answer. */
async function pollUntil(attempt: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await attempt()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return attempt();
}

function entry(name: string, spec: string): StoredEntry {
  return { name, spec, updatedAt: T0 };
}

/**
 * Registers the tests every `BeatStore` must pass unchanged. `makeStore` returns the store under
 * test; each case uses groups no other case uses.
 */
export function beatStoreConformance(name: string, makeStore: () => BeatStore): void {
  const fresh = () => `conformance-${randomUUID().slice(0, 8)}`;

  describe(`${name} beat store conformance`, () => {
    describe('leadership', () => {
      it('a free group is led by the first holder', async () => {
        expect(await makeStore().lead(fresh(), 'a', LONG_TTL)).toBe(true);
      });

      it('refuses a second holder while the lease is live', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.lead(group, 'a', LONG_TTL);
        expect(await s.lead(group, 'b', LONG_TTL)).toBe(false);
      });

      it('another holder takes over once the lease expires', async () => {
        const [s, group] = [makeStore(), fresh()];
        expect(await s.lead(group, 'a', SHORT_TTL)).toBe(true);
        expect(await s.lead(group, 'b', LONG_TTL)).toBe(false);
        expect(await pollUntil(() => s.lead(group, 'b', LONG_TTL), TAKEOVER_DEADLINE_MS)).toBe(
          true,
        );
        expect(await s.lead(group, 'a', LONG_TTL)).toBe(false);
      });

      it('the holder renews its own lease, past the first expiry', async () => {
        const [s, group] = [makeStore(), fresh()];
        expect(await s.lead(group, 'a', SHORT_TTL)).toBe(true);
        expect(await s.lead(group, 'a', LONG_TTL)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, SHORT_TTL * 2));
        expect(await s.lead(group, 'b', LONG_TTL)).toBe(false);
      });

      it('resign frees the lease only for its holder', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.lead(group, 'a', LONG_TTL);
        await s.resign(group, 'b');
        expect(await s.lead(group, 'b', LONG_TTL)).toBe(false);
        await s.resign(group, 'a');
        expect(await s.lead(group, 'b', LONG_TTL)).toBe(true);
      });

      it('resigning a group nobody leads changes nothing', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.resign(group, 'a');
        expect(await s.lead(group, 'a', LONG_TTL)).toBe(true);
      });

      it('of many concurrent candidates exactly one leads', async () => {
        const [s, group] = [makeStore(), fresh()];
        const candidates = Array.from({ length: 20 }, (_, i) => `holder-${i}`);
        const led = await Promise.all(candidates.map((h) => s.lead(group, h, LONG_TTL)));
        expect(led.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('ticks', () => {
      it('claims a later tick only', async () => {
        const [s, group] = [makeStore(), fresh()];
        expect(await s.claimTick(group, 'e', T0)).toBe(true);
        expect(await s.claimTick(group, 'e', T0)).toBe(false);
        expect(await s.claimTick(group, 'e', T0 - 1)).toBe(false);
        expect(await s.claimTick(group, 'e', T0 + 60_000)).toBe(true);
        expect(await s.lastTicks(group)).toEqual(new Map([['e', T0 + 60_000]]));
      });

      it('claims an earlier tick only in place of the recorded one it names', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.claimTick(group, 'e', T0 + 3_600_000);
        expect(await s.claimTick(group, 'e', T0, T0 + 1)).toBe(false);
        expect(await s.claimTick(group, 'e', T0, T0 + 3_600_000)).toBe(true);
        // The rebase happened once: the same claim again finds T0 recorded, not what it names.
        expect(await s.claimTick(group, 'e', T0, T0 + 3_600_000)).toBe(false);
        expect(await s.claimTick(group, 'e', T0 + 1_000)).toBe(true);
        expect(await s.lastTicks(group)).toEqual(new Map([['e', T0 + 1_000]]));
      });

      it('of 20 concurrent rebasing claims of one tick exactly one wins', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.claimTick(group, 'e', T0 + 3_600_000);
        const claims = await Promise.all(
          Array.from({ length: 20 }, () => s.claimTick(group, 'e', T0, T0 + 3_600_000)),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
      });

      it('of 50 concurrent claims of one tick exactly one wins', async () => {
        const [s, group] = [makeStore(), fresh()];
        const claims = await Promise.all(
          Array.from({ length: 50 }, () => s.claimTick(group, 'e', T0)),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
      });

      it('a refused claim records nothing', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.claimTick(group, 'e', T0);
        await s.claimTick(group, 'e', T0 - 5);
        expect(await s.lastTicks(group)).toEqual(new Map([['e', T0]]));
      });

      it('lastTicks lists each entry of the group', async () => {
        const [s, group] = [makeStore(), fresh()];
        expect(await s.lastTicks(group)).toEqual(new Map());
        await s.claimTick(group, 'a', T0);
        await s.claimTick(group, 'b', T0 + 1);
        await s.claimTick(group, 'a', T0 + 2);
        expect(await s.lastTicks(group)).toEqual(
          new Map([
            ['a', T0 + 2],
            ['b', T0 + 1],
          ]),
        );
      });
    });

    describe('entries', () => {
      it('an empty group has no entries', async () => {
        expect((await makeStore().entries(fresh())).entries).toEqual([]);
      });

      it('put adds and replaces, remove deletes, each changing the version', async () => {
        const [s, group] = [makeStore(), fresh()];
        const v0 = (await s.entries(group)).version;
        await s.putEntry(group, entry('a', '{"n":1}'));
        const after1 = await s.entries(group);
        expect(after1.entries).toEqual([entry('a', '{"n":1}')]);
        expect(after1.version).not.toBe(v0);

        await s.putEntry(group, { ...entry('a', '{"n":2}'), updatedAt: T0 + 5 });
        const after2 = await s.entries(group);
        expect(after2.entries).toEqual([{ ...entry('a', '{"n":2}'), updatedAt: T0 + 5 }]);
        expect(new Set([v0, after1.version, after2.version]).size).toBe(3);

        expect(await s.removeEntry(group, 'a')).toBe(true);
        const after3 = await s.entries(group);
        expect(after3.entries).toEqual([]);
        expect(new Set([v0, after1.version, after2.version, after3.version]).size).toBe(4);
      });

      it('the version holds still when nothing changes', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.putEntry(group, entry('a', '{}'));
        const before = (await s.entries(group)).version;
        expect((await s.entries(group)).version).toBe(before);
        expect(await s.removeEntry(group, 'missing')).toBe(false);
        await s.claimTick(group, 'a', T0);
        await s.lead(group, 'h', LONG_TTL);
        expect((await s.entries(group)).version).toBe(before);
      });

      it('lists several entries', async () => {
        const [s, group] = [makeStore(), fresh()];
        await s.putEntry(group, entry('b', '{"b":true}'));
        await s.putEntry(group, entry('a', '{"a":true}'));
        const { entries } = await s.entries(group);
        expect([...entries].sort((x, y) => x.name.localeCompare(y.name))).toEqual([
          entry('a', '{"a":true}'),
          entry('b', '{"b":true}'),
        ]);
      });
    });

    it('groups are independent', async () => {
      const [s, g1, g2] = [makeStore(), fresh(), fresh()];
      expect(await s.lead(g1, 'a', LONG_TTL)).toBe(true);
      expect(await s.lead(g2, 'b', LONG_TTL)).toBe(true);
      await s.claimTick(g1, 'e', T0 + 10);
      expect(await s.claimTick(g2, 'e', T0)).toBe(true);
      expect(await s.lastTicks(g2)).toEqual(new Map([['e', T0]]));
      const v2 = (await s.entries(g2)).version;
      await s.putEntry(g1, entry('x', '{}'));
      expect(await s.entries(g2)).toEqual({ version: v2, entries: [] });
      expect(await s.removeEntry(g2, 'x')).toBe(false);
    });
  });
}
