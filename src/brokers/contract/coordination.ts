import type { BeatStore } from './beat-store.ts';
import type { Broadcast } from './broadcast.ts';
import type { RateStore } from './rate-store.ts';
import type { RevokeStore } from './revoke-store.ts';
import type { SlotStore } from './slot-store.ts';
import type { UniqueStore } from './unique-store.ts';
import type { WorkerRegistry } from './worker-registry.ts';

/**
 * Coordination: the shared state the workers of a cluster agree on, each store atomic in its
 * datastore. A broker with an atomic store of its own (SQLite, Redis) provides all of it; a
 * transport without one (RabbitMQ) pairs with a store that does: `createApp({ broker,
 * coordination: 'redis://…' })`. A store that is absent turns its feature off, and a task
 * that needs it is refused at registration.
 */
export interface Coordination {
  /** Cluster-wide rate limits (`rateLimit`). */
  readonly rates?: RateStore;
  /** Locks and concurrency limits per key (`lock`, `concurrency`). */
  readonly slots?: SlotStore;
  /** Unique-task claims (`unique`). */
  readonly uniques?: UniqueStore;
  /** The periodic-task scheduler's leadership, fired ticks and run-time entries (beat). */
  readonly beat?: BeatStore;
  /** Fan-out between processes: events, control requests and replies. */
  readonly broadcast?: Broadcast;
  /** Revoked task ids with a time to live. */
  readonly revokes?: RevokeStore;
  /** The live workers and what they consume. */
  readonly workers?: WorkerRegistry;
}

/** The names of the coordination stores, in the order they are described. */
export const COORDINATION_STORES = [
  'rates',
  'slots',
  'uniques',
  'beat',
  'broadcast',
  'revokes',
  'workers',
] as const satisfies readonly (keyof Coordination)[];

/** One coordination store's name. */
export type CoordinationStoreName = (typeof COORDINATION_STORES)[number];
