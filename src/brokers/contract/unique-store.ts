import type { OutgoingMessage } from './transport.ts';

/** One message to enqueue unless its key is taken. */
export interface UniqueClaim {
  /** The message to enqueue when the key is free. */
  message: OutgoingMessage;
  /** The claim's name within the message's queue (the app prefixes the task name). */
  key: string;
  /** How long the claim lives from now, in ms (> 0). */
  ttlMs: number;
}

/** Where a unique send ended: its own id when it was stored, or the id that holds the key. */
export interface UniqueSend {
  /** The id of the message that holds the key: this one's, or the earlier one's. */
  id: string;
  /** True when this message was stored; false when the key was taken. */
  created: boolean;
}

/**
 * Unique tasks: one live claim per (queue, key), taken atomically with the enqueue. Claims of
 * a batch are taken in order, so a key repeated in one batch resolves to its first message.
 */
export interface UniqueStore {
  /** Enqueues each message whose key has no live claim and claims the key for it. */
  enqueueUnique(claims: UniqueClaim[]): Promise<UniqueSend[]>;
  /** Drops the claim on `key` when `id` holds it (a newer claim is left alone). */
  releaseUnique(queue: string, key: string, id: string): Promise<boolean>;
  /** Makes `id`'s live claim on `key` end `ttlMs` from now; false when `id` no longer holds it. */
  extendUnique(queue: string, key: string, id: string, ttlMs: number): Promise<boolean>;
}
