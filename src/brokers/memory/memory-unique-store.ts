import type { OutgoingMessage } from '../contract/index.ts';
import type { UniqueClaim, UniqueSend, UniqueStore } from '../contract/unique-store.ts';
import { checkAvailableAt } from '../message-times.ts';

interface Claim {
  id: string;
  expiresAt: number;
}

/**
 * Unique claims of the memory broker. Checking, claiming and enqueueing happen in one
 * synchronous stretch, so no other send in the process can come between them.
 */
export class MemoryUniqueStore implements UniqueStore {
  readonly #claims = new Map<string, Claim>();

  /** `enqueue` must store the messages before its first await (the memory broker's does). */
  constructor(private readonly enqueue: (messages: OutgoingMessage[]) => Promise<void>) {}

  /** Claims and enqueues in one synchronous pass; duplicates get the holder's id. */
  enqueueUnique(claims: UniqueClaim[]): Promise<UniqueSend[]> {
    checkAvailableAt(claims.map((c) => c.message));
    const now = Date.now();
    const fresh: OutgoingMessage[] = [];
    const sends = claims.map(({ message, key, ttlMs }) => {
      const holder = this.#live(message.queue, key, now);
      if (holder) return { id: holder.id, created: false };
      this.#claims.set(slot(message.queue, key), { id: message.id, expiresAt: now + ttlMs });
      fresh.push(message);
      return { id: message.id, created: true };
    });
    const stored = fresh.length > 0 ? this.enqueue(fresh) : Promise.resolve();
    return stored.then(() => sends);
  }

  /** Drops the claim when `id` holds it. */
  async releaseUnique(queue: string, key: string, id: string): Promise<boolean> {
    if (this.#live(queue, key, Date.now())?.id !== id) return false;
    return this.#claims.delete(slot(queue, key));
  }

  /** Moves the end of `id`'s live claim to `ttlMs` from now. */
  async extendUnique(queue: string, key: string, id: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const claim = this.#live(queue, key, now);
    if (claim?.id !== id) return false;
    claim.expiresAt = now + ttlMs;
    return true;
  }

  #live(queue: string, key: string, now: number): Claim | undefined {
    const claim = this.#claims.get(slot(queue, key));
    if (claim && claim.expiresAt > now) return claim;
    if (claim) this.#claims.delete(slot(queue, key));
    return undefined;
  }
}

function slot(queue: string, key: string): string {
  return `${queue}\u0000${key}`;
}
