import type { Logger } from 'pino';
import type { RevokeStore } from '../brokers/contract/revoke-store.ts';
import { sleep } from '../time/sleep.ts';

const SWEEP_EVERY = 1000;
const LOAD_ATTEMPTS = 5;

/**
 * A worker's copy of the revoked ids: loaded from the broker at start and kept current by
 * revoke requests on the control channel, so checking a delivery costs no broker round trip.
 */
export class RevokedIds {
  readonly #expiries = new Map<string, number>();
  #addsSinceSweep = 0;

  /** Whether `id` is revoked now. */
  has(id: string): boolean {
    if (this.#expiries.size === 0) return false;
    const expiresAt = this.#expiries.get(id);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** Marks ids revoked until `expiresAt` (epoch ms). */
  add(ids: readonly string[], expiresAt: number): void {
    for (const id of ids) {
      const known = this.#expiries.get(id) ?? 0;
      if (known < expiresAt) this.#expiries.set(id, expiresAt);
    }
    this.#addsSinceSweep += ids.length;
    if (this.#addsSinceSweep >= SWEEP_EVERY) this.#sweep();
  }

  /** Adds every live revoke the broker keeps. */
  async load(store: RevokeStore): Promise<void> {
    for (const { id, expiresAt } of await store.revoked()) this.add([id], expiresAt);
  }

  /** How many ids are held (lapsed ones may still count until the next sweep). */
  get size(): number {
    return this.#expiries.size;
  }

  #sweep(): void {
    this.#addsSinceSweep = 0;
    const now = Date.now();
    for (const [id, expiresAt] of this.#expiries) if (expiresAt <= now) this.#expiries.delete(id);
  }
}

/**
 * Loads the broker's revokes into `ids`, trying a few times (a SQLite file another process is
 * migrating, a Redis failover): a worker must not start without them, or it could run a
 * revoked task.
 */
export async function loadRevokes(ids: RevokedIds, store: RevokeStore, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ids.load(store);
      return;
    } catch (error) {
      if (attempt >= LOAD_ATTEMPTS) throw error;
      log.warn({ err: error, attempt }, 'could not load the revoked ids; trying again');
      await sleep(200 * attempt);
    }
  }
}
