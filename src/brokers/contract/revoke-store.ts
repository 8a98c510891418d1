/**
 * Task ids that must not start, kept in the broker with a time to live, so a worker that
 * starts after a revoke still honours it (Celery keeps its revoked set only in worker memory,
 * where a new worker does not have it).
 */
export interface RevokeStore {
  /** Records `ids` as revoked for `ttlMs` from now (a later revoke of an id extends it). */
  revoke(ids: string[], ttlMs: number): Promise<void>;
  /** Every id revoked and not yet expired, with its expiry (epoch ms), at most `limit`. */
  revoked(limit?: number): Promise<RevokedId[]>;
  /** Which of `ids` are revoked now. */
  whichRevoked(ids: string[]): Promise<Set<string>>;
}

/** One revoked id and when its revoke lapses. */
export interface RevokedId {
  /** The revoked task id. */
  id: string;
  /** Epoch ms. */
  expiresAt: number;
}
