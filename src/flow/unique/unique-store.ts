import type { OutgoingMessage } from '../../brokers/broker.ts';

/** Where a unique send ended: its own id when it was stored, or the id that holds the key. */
export interface UniqueSend {
  id: string;
  created: boolean;
}

/** Unique tasks: one live claim per key, taken atomically with the enqueue. */
export interface UniqueStore {
  /** Enqueues `message` unless a live claim on `key` exists; claims `key` for `ttlMs` when it does. */
  enqueueUnique(message: OutgoingMessage, key: string, ttlMs: number): Promise<UniqueSend>;
  /** Drops the claim on `key` when `id` holds it (a newer claim is left alone). */
  releaseUnique(queue: string, key: string, id: string): Promise<void>;
}
