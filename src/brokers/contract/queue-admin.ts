/**
 * Queue admin: counts, listings and bulk actions on queues and dead letters, in queue terms. The
 * CLI (`status`, `dlq`, `purge`), the metrics exporter and control read and act through it.
 */

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

/** What the CLI, the exporter and control do to queues. */
export interface QueueAdmin {
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
}
