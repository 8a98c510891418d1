import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { QueueAdmin } from '../brokers/contract/queue-admin.ts';
import type { OutgoingMessage, Transport } from '../brokers/contract/transport.ts';
import type { UniqueClaim, UniqueStore } from '../brokers/contract/unique-store.ts';
import { sleep } from '../time/sleep.ts';

/** Never lapses while a case runs. */
const HOUR = 3_600_000;

/** What the suite reads of the broker a claim enqueues into: what was stored, and where. */
export type UniqueStoreBroker = Pick<Transport, 'reserve'> & Pick<QueueAdmin, 'stats' | 'queues'>;

/** What `uniqueStoreConformance` checks: two handles on one claim store, and their broker. */
export interface UniqueStorePeers {
  /**
   * Two handles on one claim store, standing for two processes (for an in-process store, the
   * same object twice).
   */
  readonly uniques: readonly [UniqueStore, UniqueStore];
  /**
   * The broker the claims enqueue into: a claim is taken in the same atomic step as its
   * message's enqueue, so the suite checks the messages where they landed.
   */
  readonly broker: UniqueStoreBroker;
}

/** Names no other case uses: ids and queues under one random prefix. */
function scope() {
  const prefix = `conformance-${randomUUID().slice(0, 8)}`;
  const id = (name: string) => `${prefix}-${name}`;
  const queue = (name = 'q') => `${prefix}-queue-${name}`;
  const claim = (name: string, key: string, extra: Partial<OutgoingMessage> = {}, ttlMs = HOUR) => {
    const body = new TextEncoder().encode(`body-${name}`);
    const message = { id: id(name), queue: queue(), body, ...extra };
    return { message, key, ttlMs } satisfies UniqueClaim;
  };
  return { prefix, id, queue, claim };
}

/**
 * Registers the tests every `UniqueStore` must pass unchanged. `peers` returns the store's two
 * handles and the broker its messages land in; it may return the same ones each time, since
 * every case sends ids to queues no other case uses (`queues()` may list other cases' queues).
 */
export function uniqueStoreConformance(
  name: string,
  peers: () => Promise<UniqueStorePeers> | UniqueStorePeers,
): void {
  /** The ids ready in `queue`, reserved so a later call sees only newer ones. */
  async function readyIds(broker: UniqueStoreBroker, queue: string): Promise<string[]> {
    const got = await broker.reserve([queue], { max: 100, leaseMs: HOUR });
    return got.map((d) => d.id);
  }

  describe(`${name} unique store conformance`, () => {
    it('stores the first send of a key and answers a second with the first id', async () => {
      const { uniques, broker } = await peers();
      const [a, b] = uniques;
      const s = scope();
      expect(await a.enqueueUnique([s.claim('a', 'k')])).toEqual([
        { id: s.id('a'), created: true },
      ]);
      expect(await b.enqueueUnique([s.claim('b', 'k')])).toEqual([
        { id: s.id('a'), created: false },
      ]);
      expect(await readyIds(broker, s.queue())).toEqual([s.id('a')]);
      expect((await broker.stats(s.queue())).reserved).toBe(1);
    });

    it('resolves a key repeated in one batch to its first message, keeping batch order', async () => {
      const { uniques, broker } = await peers();
      const s = scope();
      const sends = await uniques[0].enqueueUnique([
        s.claim('a', 'x'),
        s.claim('b', 'y'),
        s.claim('c', 'x'),
        s.claim('d', 'z'),
        s.claim('e', 'y'),
      ]);
      expect(sends.map((send) => [send.id, send.created])).toEqual([
        [s.id('a'), true],
        [s.id('b'), true],
        [s.id('a'), false],
        [s.id('d'), true],
        [s.id('b'), false],
      ]);
      expect(await readyIds(broker, s.queue())).toEqual(['a', 'b', 'd'].map(s.id));
    });

    it('releases a claim only for the message that holds it', async () => {
      const { uniques, broker } = await peers();
      const [store, other] = uniques;
      const s = scope();
      const q = s.queue();
      await store.enqueueUnique([s.claim('a', 'k')]);
      expect(await other.releaseUnique(q, 'k', s.id('someone-else'))).toBe(false);
      expect((await store.enqueueUnique([s.claim('b', 'k')]))[0]).toEqual({
        id: s.id('a'),
        created: false,
      });
      expect(await other.releaseUnique(q, 'k', s.id('a'))).toBe(true);
      expect(await store.releaseUnique(q, 'k', s.id('a'))).toBe(false);
      expect((await store.enqueueUnique([s.claim('c', 'k')]))[0]).toEqual({
        id: s.id('c'),
        created: true,
      });
      expect(await readyIds(broker, q)).toEqual(['a', 'c'].map(s.id));
    });

    it('lets a key be claimed again once its ttl has passed', async () => {
      const [store] = (await peers()).uniques;
      const s = scope();
      await store.enqueueUnique([s.claim('a', 'k', {}, 20)]);
      await sleep(80);
      expect(await store.enqueueUnique([s.claim('b', 'k')])).toEqual([
        { id: s.id('b'), created: true },
      ]);
      // The lapsed claim's message is not its holder any more: it cannot release the new claim.
      expect(await store.releaseUnique(s.queue(), 'k', s.id('a'))).toBe(false);
      expect(await store.enqueueUnique([s.claim('c', 'k')])).toEqual([
        { id: s.id('b'), created: false },
      ]);
    });

    it('extends a live claim only for its holder', async () => {
      const [store] = (await peers()).uniques;
      const s = scope();
      const q = s.queue();
      await store.enqueueUnique([s.claim('a', 'k', {}, 20)]);
      expect(await store.extendUnique(q, 'k', s.id('other'), HOUR)).toBe(false);
      expect(await store.extendUnique(q, 'k', s.id('a'), HOUR)).toBe(true);
      await sleep(80);
      expect(await store.enqueueUnique([s.claim('b', 'k')])).toEqual([
        { id: s.id('a'), created: false },
      ]);
      expect(await store.extendUnique(q, 'gone', s.id('a'), HOUR)).toBe(false);
    });

    it('keeps claims per queue and holds delayed messages in the delayed set', async () => {
      const { uniques, broker } = await peers();
      const s = scope();
      const [q, other] = [s.queue(), s.queue('other')];
      const later = Date.now() + HOUR;
      const sends = await uniques[0].enqueueUnique([
        s.claim('a', 'k'),
        s.claim('b', 'k', { queue: other }),
        s.claim('c', 'later', { availableAt: later, priority: 3 }),
      ]);
      expect(sends.map((send) => send.created)).toEqual([true, true, true]);
      expect(await broker.stats(q)).toMatchObject({ ready: 1, delayed: 1 });
      expect(await broker.stats(other)).toMatchObject({ ready: 1, delayed: 0 });
      const ours = (await broker.queues()).filter((name) => name.startsWith(s.prefix));
      expect(ours).toEqual([other, q]);
    });
  });
}
