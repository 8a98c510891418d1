import type { BeatStore } from '../beat/beat-store.ts';
import type { RevokeStore } from '../control/revoke-store.ts';
import type { WorkerRegistry } from '../control/worker-registry.ts';
import type { RateStore } from '../flow/rate/rate-store.ts';
import type { SlotStore } from '../flow/slots/slot-store.ts';
import type { UniqueStore } from '../flow/unique/unique-store.ts';
import type { Broadcast } from './broadcast.ts';

/** What a broker can do beyond the core contract; checked when an app starts. */
export interface BrokerCapabilities {
  /** Holds messages until a given time (countdown/eta) without a lease. */
  delay: boolean;
  /** Orders a queue by priority 0 (default) to 9 (first). */
  priorities: boolean;
  /** Several processes may share the broker. */
  shared: boolean;
}

/** One message to publish. The broker reads only these fields, never the body. */
export interface OutgoingMessage {
  /** The message id: the task's id. */
  id: string;
  /** The queue to publish to. */
  queue: string;
  /** The encoded envelope, opaque to the broker. */
  body: Uint8Array;
  /** 0 (default) to 9; higher is delivered first. */
  priority?: number;
  /** Epoch ms before which the message is not delivered. */
  availableAt?: number;
}

/** A reserved message: held by one consumer until acked, nacked or its lease runs out. */
export interface Delivery {
  /** The message id. */
  id: string;
  /** The queue it was reserved from. */
  queue: string;
  /** The encoded envelope. */
  body: Uint8Array;
  /** Its priority, 0 to 9. */
  priority: number;
  /** How many times the message has been reserved, this one included. */
  deliveryCount: number;
  /** Identifies this reservation: ack and nack with an outdated receipt change nothing. */
  receipt: string;
}

/** How one `reserve` call takes messages: how many, for how long, and how long it waits. */
export interface ReserveOptions {
  /** Most messages to return. */
  max: number;
  /** How long the reservation holds before the message is delivered again. */
  leaseMs: number;
  /** How long to wait for a message when none is ready; 0 returns at once. */
  waitMs?: number;
  /** Ends the wait early. */
  signal?: AbortSignal;
  /**
   * Finished deliveries to ack before reserving, as `ack()` would: a worker's acks ride in the
   * same round trip as its next reserve.
   */
  ack?: Delivery[];
}

/** What `nack` does with a delivery: makes it due again at `retryAt`, or dead-letters it. */
export type NackOptions =
  | {
      /** Epoch ms the message is ready again; now or earlier makes it ready at once. */
      retryAt: number;
      /** A new encoded envelope to store in place of the old one (a retry's, say). */
      body?: Uint8Array;
    }
  | {
      /** Moves the message to the dead-letter queue. */
      deadLetter: true;
      /** Why, in words; stored with the dead letter. */
      reason: string;
      /** A new encoded envelope to store with the dead letter in place of the old one. */
      body?: Uint8Array;
    };

/** How many messages of one queue are in each state (`celeriac status`). */
export interface QueueStats {
  /** The queue counted. */
  queue: string;
  /** Messages that can be reserved now. */
  ready: number;
  /** Messages held by a consumer under a lease. */
  reserved: number;
  /** Messages waiting for their due time. */
  delayed: number;
  /** Dead letters from this queue. */
  dead: number;
  /** What kept a count from being read (a key holding a foreign value), when anything did. */
  problems?: string[];
}

/** A message waiting for its due time (a countdown, an eta, a retry's backoff). */
export interface DelayedMessage {
  /** The message id. */
  id: string;
  /** The queue it is due in. */
  queue: string;
  /** The encoded envelope. */
  body: Uint8Array;
  /** Epoch ms it becomes ready. */
  availableAt: number;
}

/** A message in the dead-letter queue with why it is there. */
export interface DeadLetter {
  /** The message id. */
  id: string;
  /** The queue it came from, and goes back to when requeued. */
  queue: string;
  /** The encoded envelope, as it was when it failed. */
  body: Uint8Array;
  /** Why it was dead-lettered, in words. */
  reason: string;
  /** Epoch ms. */
  failedAt: number;
}

/** Dead letters a requeue left in place for one reason. */
export interface LeftDeadLetters {
  /** Why they stayed, in words. */
  reason: string;
  /** How many stayed for it. */
  count: number;
}

/** What a requeue of dead letters did: how many moved, and the ones that stayed, by why. */
export interface RequeueReport {
  /** Dead letters moved back to their queues. */
  requeued: number;
  /** Dead letters left in the dead-letter queue as they hold no message to requeue, by reason. */
  left: LeftDeadLetters[];
}

/** Which dead letters `listDeadLetters` returns: one page, oldest first. */
export interface DeadLetterQuery {
  /** Only the dead letters of this queue (default: every queue). */
  queue?: string;
  /** Most dead letters to return (default 100). */
  limit?: number;
  /** Dead letters to skip first, for paging (default 0). */
  offset?: number;
}

/**
 * The contract every broker implements, in queue terms only. All operations that change
 * state are atomic inside the adapter.
 */
export interface Broker {
  /** What this broker supports beyond the core contract. */
  readonly capabilities: BrokerCapabilities;
  /** Opens connections or files; idempotent. */
  connect(): Promise<void>;
  /** Releases resources. `force` skips waiting for in-flight operations. */
  close(options?: { force?: boolean }): Promise<void>;
  /**
   * Publishes messages as one batch: each queue's messages become visible together or not at
   * all. The whole batch does too, except on Redis Cluster, where each queue is on its own slot.
   */
  enqueue(messages: OutgoingMessage[]): Promise<void>;
  /** Reserves up to `max` ready messages, taking queues in the given order, highest priority first. */
  reserve(queues: string[], options: ReserveOptions): Promise<Delivery[]>;
  /** Removes finished messages; returns how many were still held by these receipts. */
  ack(deliveries: Delivery[]): Promise<number>;
  /** Returns a message for a later attempt, or moves it to the dead-letter queue. */
  nack(delivery: Delivery, options: NackOptions): Promise<boolean>;
  /** Pushes the lease of each delivery `ms` into the future; returns how many were still held. */
  extendLease(deliveries: Delivery[], ms: number): Promise<number>;
  /** Counts by state for one queue. */
  stats(queue: string): Promise<QueueStats>;
  /** Names of queues that hold messages or dead letters. */
  queues(): Promise<string[]>;
  /** Removes ready and delayed messages of a queue; returns how many. */
  purge(queue: string): Promise<number>;
  /** Lists dead letters, oldest first. */
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  /** Moves dead letters back to their queues (all of them when `ids` is absent); returns how many. */
  requeueDeadLetters(ids?: string[]): Promise<number>;
  /**
   * As `requeueDeadLetters`, and says which dead letters stayed and why, for a broker that can
   * hold some it cannot requeue (Redis: a value that is not an entry); without it, none stay.
   */
  requeueDeadLettersWithReport?(ids?: string[]): Promise<RequeueReport>;
  /** Deletes dead letters (all of them, or those of one queue); returns how many. */
  purgeDeadLetters(queue?: string): Promise<number>;
  /** The delayed messages of a queue, soonest first, at most `limit` (`inspect scheduled`). */
  listDelayed?(queue: string, limit: number): Promise<DelayedMessage[]>;
  /** Cluster-wide rate limits, when this broker keeps them. */
  readonly rates?: RateStore;
  /** Locks and concurrency limits per key, when this broker keeps them. */
  readonly slots?: SlotStore;
  /** Unique-task claims, when this broker keeps them. */
  readonly uniques?: UniqueStore;
  /** The periodic-task scheduler's leadership, fired ticks and run-time entries. */
  readonly beat?: BeatStore;
  /** Fan-out between processes: events, control requests and replies. */
  readonly broadcast?: Broadcast;
  /** Revoked task ids with a time to live. */
  readonly revokes?: RevokeStore;
  /** The live workers and what they consume. */
  readonly workers?: WorkerRegistry;
}
