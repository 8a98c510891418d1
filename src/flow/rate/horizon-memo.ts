/** How long a worker trusts "no start free within the horizon" without asking the broker. */
const TRUST_MS = 1000;
/** Entries kept before expired ones are swept (one per task and key seen beyond its horizon). */
const SWEEP_AT = 10_000;

/**
 * Remembers, per task and key, that the broker had no start free within the horizon. Until the
 * next free start could enter the horizon (or for a second at most, so a runtime change of the
 * limit is seen), further messages of that key go back to the broker without a booking round
 * trip: a flood of a rate-limited task then costs one deferral per message, not two calls.
 */
export class HorizonMemo {
  readonly #full = new Map<string, { trustedUntil: number; askAgainAt: number }>();

  /** When to ask again, if the key is known to be full now; undefined otherwise. */
  askAgainAt(task: string, key: string, now: number): number | undefined {
    const entry = this.#full.get(memoKey(task, key));
    if (!entry || entry.trustedUntil <= now) return undefined;
    return entry.askAgainAt;
  }

  /** Records that the broker found no start within the horizon; ask again at `askAgainAt`. */
  noteFull(task: string, key: string, now: number, askAgainAt: number): void {
    if (this.#full.size >= SWEEP_AT) this.#sweep(now);
    const trustedUntil = Math.min(now + TRUST_MS, askAgainAt);
    this.#full.set(memoKey(task, key), { trustedUntil, askAgainAt });
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#full) if (entry.trustedUntil <= now) this.#full.delete(key);
  }
}

function memoKey(task: string, key: string): string {
  return `${task}\u0000${key}`;
}
