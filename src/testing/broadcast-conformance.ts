import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Broadcast, Unsubscribe } from '../brokers/contract/broadcast.ts';
import { Inbox } from './control-waits.ts';

/** Bigger than any one network read or SQLite page, with multi-byte characters. */
const LARGE_PAYLOAD = 'é€😀 json {"k":[1,2]}\n'.repeat(10_000);
const MANY = 1_000;

/**
 * Registers the tests every `Broadcast` must pass unchanged. `peers` returns two handles on one
 * store, standing for two processes: for example the `broadcast` of two brokers on one SQLite
 * file or one Redis prefix (for an in-process broadcast, the same object twice). Each case uses
 * channels no other case uses, and ends its subscriptions.
 */
export function broadcastConformance(
  name: string,
  peers: () => readonly [Broadcast, Broadcast],
): void {
  const fresh = () => `conformance-${randomUUID().slice(0, 8)}`;

  /** Runs `body` and then ends every subscription it made, even when it fails. */
  async function withSubscriptions(
    body: (track: (u: Promise<Unsubscribe>) => Promise<Unsubscribe>) => Promise<void>,
  ): Promise<void> {
    const made: Unsubscribe[] = [];
    try {
      await body(async (pending) => {
        const unsubscribe = await pending;
        made.push(unsubscribe);
        return unsubscribe;
      });
    } finally {
      await Promise.all(made.map((unsubscribe) => unsubscribe()));
    }
  }

  describe(`${name} broadcast conformance`, () => {
    it('delivers to every subscriber on both peers, in publish order per publisher', () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        const inboxes = [new Inbox(), new Inbox(), new Inbox()] as const;
        await track(a.subscribe(channel, inboxes[0].listener));
        await track(b.subscribe(channel, inboxes[1].listener));
        await track(b.subscribe(channel, inboxes[2].listener));
        await a.publish(channel, 'a1');
        await b.publish(channel, 'b1');
        await a.publish(channel, 'a2');
        await b.publish(channel, 'b2');
        for (const inbox of inboxes) {
          const got = await inbox.until(4);
          // A duplicate would come before its publisher's next message, so among these four.
          expect(got.filter((p) => p.startsWith('a'))).toEqual(['a1', 'a2']);
          expect(got.filter((p) => p.startsWith('b'))).toEqual(['b1', 'b2']);
        }
      }));

    it("does not deliver another channel's messages", () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const [mine, other] = [fresh(), fresh()];
        const inbox = new Inbox();
        await track(b.subscribe(mine, inbox.listener));
        await track(b.subscribe(other, () => {}));
        await a.publish(other, 'not for me');
        await a.publish(mine, 'marker');
        expect(await inbox.until(1)).toEqual(['marker']);
      }));

    it('delivers nothing published before the subscription', () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        await a.publish(channel, 'unheard');
        const early = new Inbox();
        await track(b.subscribe(channel, early.listener));
        await a.publish(channel, 'before');
        expect(await early.until(1)).toEqual(['before']);
        const late = new Inbox();
        await track(b.subscribe(channel, late.listener));
        await a.publish(channel, 'after');
        expect(await late.until(1)).toEqual(['after']);
        expect(await early.until(2)).toEqual(['before', 'after']);
      }));

    it('a listener joining during a burst hears none of the messages published before it', () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        // An earlier listener keeps the channel subscribed, so the burst is in flight to `b`.
        const earlier = new Inbox();
        await track(b.subscribe(channel, earlier.listener));
        const burst = Array.from({ length: 200 }, (_, i) => `burst ${i}`);
        await Promise.all(burst.map((payload) => a.publish(channel, payload)));
        const joiner = new Inbox();
        await track(b.subscribe(channel, joiner.listener));
        await a.publish(channel, 'after');
        expect(await joiner.until(1)).toEqual(['after']);
        expect(await earlier.until(201)).toEqual([...burst, 'after']);
      }));

    it('unsubscribe stops delivery, twice is harmless, and the channel can be joined again', () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        const [gone, staying] = [new Inbox(), new Inbox()];
        const unsubscribe = await b.subscribe(channel, gone.listener);
        const unsubscribeStaying = await b.subscribe(channel, staying.listener);
        await unsubscribe();
        await unsubscribe();
        await a.publish(channel, 'one');
        expect(await staying.until(1)).toEqual(['one']);
        await unsubscribeStaying();
        await unsubscribeStaying();
        const again = new Inbox();
        await track(b.subscribe(channel, again.listener));
        await a.publish(channel, 'two');
        expect(await again.until(1)).toEqual(['two']);
        expect(gone.received).toEqual([]);
        expect(staying.received).toEqual(['one']);
      }));

    it('a listener that throws does not stop the others or later messages', () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        const [before, after] = [new Inbox(), new Inbox()];
        let thrown = 0;
        await track(b.subscribe(channel, before.listener));
        await track(
          b.subscribe(channel, () => {
            thrown++;
            throw new Error('listener failure (expected by the test)');
          }),
        );
        await track(b.subscribe(channel, after.listener));
        await a.publish(channel, 'one');
        await a.publish(channel, 'two');
        expect(await before.until(2)).toEqual(['one', 'two']);
        expect(await after.until(2)).toEqual(['one', 'two']);
        expect(thrown).toBe(2);
      }));

    it('a payload of over 256 KiB arrives intact', () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        const inbox = new Inbox();
        await track(b.subscribe(channel, inbox.listener));
        expect(Buffer.byteLength(LARGE_PAYLOAD)).toBeGreaterThan(256 * 1024);
        await a.publish(channel, LARGE_PAYLOAD);
        const [got] = await inbox.until(1);
        expect(got === LARGE_PAYLOAD).toBe(true);
      }));

    it(`${MANY} messages published at once all arrive, in order`, () =>
      withSubscriptions(async (track) => {
        const [a, b] = peers();
        const channel = fresh();
        const inbox = new Inbox();
        await track(b.subscribe(channel, inbox.listener));
        const sent = Array.from({ length: MANY }, (_, i) => `message ${i}`);
        await Promise.all(sent.map((payload) => a.publish(channel, payload)));
        expect(await inbox.until(MANY)).toEqual(sent);
      }));
  });
}
