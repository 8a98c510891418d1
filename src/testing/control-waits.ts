/** How long a conformance case waits for something before it fails (a loaded machine is slow). */
export const WAIT_DEADLINE_MS = 10_000;

/** Calls `check` until it returns true; throws naming `what` once the deadline passes. */
export async function pollUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  deadlineMs = WAIT_DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The payloads one broadcast listener heard, in arrival order. */
export class Inbox {
  readonly received: string[] = [];
  readonly #waiters: Array<{ count: number; wake: () => void }> = [];

  /** The listener to subscribe. */
  readonly listener = (payload: string): void => {
    this.received.push(payload);
    for (const waiter of this.#waiters.filter((w) => this.received.length >= w.count))
      waiter.wake();
  };

  /** Resolves once `count` payloads arrived; rejects after the deadline, saying how many did. */
  until(count: number, deadlineMs = WAIT_DEADLINE_MS): Promise<string[]> {
    if (this.received.length >= count) return Promise.resolve(this.received);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.received.length} of ${count} broadcast messages arrived`));
      }, deadlineMs);
      const waiter = {
        count,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          resolve(this.received);
        },
      };
      this.#waiters.push(waiter);
    });
  }
}
