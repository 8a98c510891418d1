/**
 * The transport: what moves messages. A broker must implement it; everything else in the
 * contract (queue admin, coordination) builds on it or sits beside it.
 */

/** What a transport does natively; checked when an app starts, read by the worker. */
export interface TransportCapabilities {
  /** Holds messages until a given time (countdown/eta) without a lease. */
  delay: boolean;
  /** Orders a queue by priority 0 (default) to 9 (first). */
  priorities: boolean;
  /** Several processes may share the broker. */
  shared: boolean;
  /**
   * How a reservation is held: `'native'` when the server tracks it (a lease in a script or a
   * row, an AMQP delivery), `'emulated'` when the adapter has to (absent: `'native'`).
   */
  leases?: 'native' | 'emulated';
  /** The transport wakes a waiting reserve when a message arrives (pub/sub, a push consumer). */
  notifications?: boolean;
  /** Queues may live on different nodes (Redis Cluster): a batch is atomic per queue only. */
  cluster?: boolean;
}

/** The old name of `TransportCapabilities`. @deprecated Use `TransportCapabilities`. */
export type BrokerCapabilities = TransportCapabilities;

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

/** Connects, publishes, reserves under a lease, and settles deliveries: the part every broker has. */
export interface Transport {
  /** What this transport does natively. */
  readonly capabilities: TransportCapabilities;
  /** Opens connections or files; idempotent. */
  connect(): Promise<void>;
  /** Releases resources. `force` skips waiting for in-flight operations. */
  close(options?: { force?: boolean }): Promise<void>;
  /**
   * Publishes messages as one batch: each queue's messages become visible together or not at
   * all. The whole batch does too, except on a cluster, where each queue is on its own node.
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
}
