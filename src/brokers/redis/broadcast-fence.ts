import { randomUUID } from 'node:crypto';

/** How long one fence may take before it is sent again (a rebuilt subscriber lost it). */
const RESEND_MS = 1_000;
/** How many times a fence is sent before the subscription is given up as unconfirmed. */
const ATTEMPTS = 10;

interface Waiter {
  arrived: () => void;
}

/**
 * Tokens a process publishes to itself to learn that its subscriber connection has caught up.
 * A fence leaves through the same node as a channel's messages, so once it comes back every
 * message published on that channel before it was sent has already arrived. That holds where
 * a SUBSCRIBE reply alone does not: on a Redis Cluster a message from another node crosses the
 * cluster bus and may land after the reply, and on any Redis a listener joining a subscribed
 * channel would otherwise hear messages still in the socket's buffer.
 */
export class BroadcastFence {
  /** The pub/sub channel fences come back on: this process's own. */
  readonly channel: string;
  readonly #waiting = new Map<string, Waiter>();

  constructor(prefix: string) {
    this.channel = `${prefix}:bcast-fence:${randomUUID()}`;
  }

  /**
   * Sends a fence with `send`, again while it does not come back, and calls `arrived` the
   * moment it does: synchronously, so no message that follows it on the connection is missed.
   * Rejects naming `what` after the last attempt.
   */
  async pass(what: string, send: (token: string) => Promise<void>, arrived: () => void) {
    const token = randomUUID();
    let back = false;
    let wake: () => void = () => {};
    this.#waiting.set(token, {
      arrived: () => {
        back = true;
        arrived();
        wake();
      },
    });
    try {
      for (let attempt = 0; attempt < ATTEMPTS && !back; attempt++) {
        await send(token);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RESEND_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          if (back) wake();
        });
      }
    } finally {
      this.#waiting.delete(token);
    }
    if (!back)
      throw new Error(
        `the subscription to ${what} was not confirmed: ${ATTEMPTS} fences sent ${RESEND_MS} ms apart never came back on the subscriber connection`,
      );
  }

  /** Handles a message of the fence channel; unknown tokens (an answered resend) are ignored. */
  receive(token: string): void {
    this.#waiting.get(token)?.arrived();
  }

  /** Forgets every waiter; their `pass` runs out of attempts or ends with the broker. */
  clear(): void {
    this.#waiting.clear();
  }
}
