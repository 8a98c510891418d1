/**
 * Fan-out between the processes that share a broker: worker events, control requests and
 * their replies. Delivery is best effort and not stored for later: a process that is not
 * subscribed when a message is published never sees it (Celery's pidbox and event exchange
 * behave the same way).
 */
export interface Broadcast {
  /** Delivers `payload` to every process subscribed to `channel` now; none: it is dropped. */
  publish(channel: string, payload: string): Promise<void>;
  /**
   * Calls `listener` with each payload published on `channel` after the returned promise
   * resolves, and with none published before the call, in publish order per publisher. Resolves to a function that unsubscribes.
   * A listener that throws is isolated: the others and later messages still arrive.
   */
  subscribe(channel: string, listener: (payload: string) => void): Promise<Unsubscribe>;
}

/** Ends one subscription; idempotent. */
export type Unsubscribe = () => Promise<void>;
