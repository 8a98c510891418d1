import { checkLimit, checkTtl } from '../../control/control-input.ts';
import type { RevokedId, RevokeStore } from '../contract/revoke-store.ts';

/** Revoked ids in this process's memory, each with its expiry. */
export class MemoryRevokeStore implements RevokeStore {
  readonly #expiries = new Map<string, number>();

  /** `now` is injectable so tests can expire revokes on a fake clock. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Records ids until now + ttlMs, keeping the later expiry of an id revoked twice. */
  async revoke(ids: string[], ttlMs: number): Promise<void> {
    checkTtl(ttlMs, 'revoke');
    const expiresAt = this.now() + ttlMs;
    for (const id of ids) {
      const known = this.#expiries.get(id);
      if (known === undefined || known < expiresAt) this.#expiries.set(id, expiresAt);
    }
  }

  /** The live revokes, soonest to lapse first. */
  async revoked(limit = Number.POSITIVE_INFINITY): Promise<RevokedId[]> {
    checkLimit(limit);
    this.#sweep();
    return [...this.#expiries]
      .map(([id, expiresAt]) => ({ id, expiresAt }))
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit);
  }

  /** The subset of `ids` revoked now. */
  async whichRevoked(ids: string[]): Promise<Set<string>> {
    const now = this.now();
    return new Set(ids.filter((id) => (this.#expiries.get(id) ?? 0) > now));
  }

  #sweep(): void {
    const now = this.now();
    for (const [id, expiresAt] of this.#expiries) if (expiresAt <= now) this.#expiries.delete(id);
  }
}
