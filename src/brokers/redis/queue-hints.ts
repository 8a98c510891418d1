/**
 * When a queue next needs promote-due or recover-leases, on the server's clock: 0 means "check
 * now", -1 "nothing".
 */
export interface QueueHint {
  nextDue: number;
  nextExpiry: number;
  /** When both were last read from Redis (monotonic ms; -Infinity: never). */
  readAt: number;
}

/**
 * What this broker last learnt of each queue's delayed set and leases, so an idle worker sleeps
 * until the next due time instead of polling Redis for it. Times are the server's (ServerClock).
 */
export class QueueHints {
  private readonly hints = new Map<string, QueueHint>();

  /** The hint of a queue; unknown queues start at "check now". */
  of(queue: string): QueueHint {
    let hint = this.hints.get(queue);
    if (!hint) {
      hint = { nextDue: 0, nextExpiry: 0, readAt: Number.NEGATIVE_INFINITY };
      this.hints.set(queue, hint);
    }
    return hint;
  }

  /** A message due at `at` (server ms; 0: ready now) was published to the queue. */
  noteDue(queue: string, at: number): void {
    const hint = this.of(queue);
    if (at > 0 && (hint.nextDue < 0 || at < hint.nextDue)) hint.nextDue = at;
  }

  /** Ms from `now` (server ms) to the earliest due time or lease expiry (Infinity when none). */
  msUntilNext(queues: string[], now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const queue of queues) {
      const hint = this.of(queue);
      if (hint.nextDue >= 0) next = Math.min(next, hint.nextDue);
      if (hint.nextExpiry >= 0) next = Math.min(next, hint.nextExpiry);
    }
    return Math.max(0, next - now);
  }
}
