import { describe } from 'vitest';
import {
  COORDINATION_STORES,
  type Coordination,
  type CoordinationStoreName,
} from '../brokers/contract/coordination.ts';
import { beatStoreConformance } from './beat-store-conformance.ts';
import { broadcastConformance } from './broadcast-conformance.ts';
import { rateStoreConformance } from './rate-store-conformance.ts';
import { revokeStoreConformance } from './revoke-store-conformance.ts';
import { slotStoreConformance } from './slot-store-conformance.ts';
import { type UniqueStoreBroker, uniqueStoreConformance } from './unique-store-conformance.ts';
import { workerRegistryConformance } from './worker-registry-conformance.ts';

/**
 * One handle on the coordination under test. For `uniques` it must also be the broker the
 * claims enqueue into (`reserve`, `stats`, `queues`), since that is where the suite finds the
 * messages: a claim is taken with its message's enqueue, so only a broker keeps them.
 */
export type CoordinationPeer = Coordination & Partial<UniqueStoreBroker>;

type Peers = () => readonly [CoordinationPeer, CoordinationPeer];

/** Registers one store's suite: the store's own conformance function, given the peers. */
type StoreSuite = (name: string, peers: Peers, need: Need) => void;

/** The store `store` of a handle; throws naming it when the handle keeps none. */
type Need = <S extends CoordinationStoreName>(
  handle: CoordinationPeer,
  store: S,
) => NonNullable<Coordination[S]>;

/** Which suite checks each store; the single-store suites get the first peer. */
const SUITES: Record<CoordinationStoreName, StoreSuite> = {
  rates: (name, peers, need) => rateStoreConformance(name, () => need(peers()[0], 'rates')),
  slots: (name, peers, need) => slotStoreConformance(name, () => need(peers()[0], 'slots')),
  uniques: (name, peers, need) =>
    uniqueStoreConformance(name, () => {
      const [a, b] = peers();
      return { uniques: [need(a, 'uniques'), need(b, 'uniques')], broker: brokerOf(name, a) };
    }),
  beat: (name, peers, need) => beatStoreConformance(name, () => need(peers()[0], 'beat')),
  broadcast: (name, peers, need) =>
    broadcastConformance(name, () => {
      const [a, b] = peers();
      return [need(a, 'broadcast'), need(b, 'broadcast')];
    }),
  revokes: (name, peers, need) =>
    revokeStoreConformance(name, () => {
      const [a, b] = peers();
      return [need(a, 'revokes'), need(b, 'revokes')];
    }),
  workers: (name, peers, need) =>
    workerRegistryConformance(name, () => {
      const [a, b] = peers();
      return [need(a, 'workers'), need(b, 'workers')];
    }),
};

/**
 * Registers the suite of each coordination store in `stores` (all seven unless given), each
 * under a title naming the store. `peers` returns two handles on one coordination, standing for
 * two processes (for an in-process one, the same object twice); it is called only inside tests,
 * so it may return handles opened in a `beforeAll`. Since the suites are registered before any
 * handle exists, `stores` says which ones to expect: a listed store the handles lack fails its
 * cases, naming it, rather than passing by being skipped.
 */
export function coordinationConformance(
  name: string,
  peers: () => readonly [CoordinationPeer, CoordinationPeer],
  stores: readonly CoordinationStoreName[] = COORDINATION_STORES,
): void {
  const unknown = stores.filter((store) => !COORDINATION_STORES.includes(store));
  if (unknown.length > 0) {
    throw new Error(
      `${name} coordination conformance: unknown stores ${unknown.join(', ')} (the stores are ${COORDINATION_STORES.join(', ')})`,
    );
  }
  const need: Need = (handle, store) => {
    const found = handle[store];
    if (found === undefined) {
      throw new Error(
        `${name}: the coordination keeps no ${store} store; leave '${store}' out of the stores to check`,
      );
    }
    return found as NonNullable<Coordination[typeof store]>;
  };

  describe(`${name} coordination conformance`, () => {
    // In the contract's order, whatever order `stores` lists them in.
    for (const store of COORDINATION_STORES.filter((s) => stores.includes(s))) {
      describe(`coordination.${store}`, () => SUITES[store](name, peers, need));
    }
  });
}

/** The handle as the broker its unique claims enqueue into; throws when it is not one. */
function brokerOf(name: string, handle: CoordinationPeer): UniqueStoreBroker {
  if (!handle.reserve || !handle.stats || !handle.queues) {
    throw new Error(
      `${name}: unique claims are checked through the broker they enqueue into, but the handle has no reserve, stats and queues; pass brokers, or leave 'uniques' out of the stores to check`,
    );
  }
  return handle as CoordinationPeer & UniqueStoreBroker;
}
