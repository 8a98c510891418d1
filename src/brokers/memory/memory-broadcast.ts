import type { Broadcast, Unsubscribe } from '../contract/broadcast.ts';

type Listener = (payload: string) => void;

/** Fan-out inside this process: listeners hear each payload on a later turn of the event loop. */
export class MemoryBroadcast implements Broadcast {
  readonly #channels = new Map<string, Set<Listener>>();

  /** Queues `payload` for every listener of `channel` subscribed now. */
  async publish(channel: string, payload: string): Promise<void> {
    const listeners = this.#channels.get(channel);
    if (!listeners || listeners.size === 0) return;
    const now = [...listeners];
    // Never inline: a publisher must not run its subscribers' code inside its own call.
    setImmediate(() => {
      for (const listener of now) {
        try {
          listener(payload);
        } catch (error) {
          process.emitWarning(`a broadcast listener on "${channel}" threw: ${String(error)}`);
        }
      }
    });
  }

  /** Adds a listener; the returned function removes it. */
  async subscribe(channel: string, listener: Listener): Promise<Unsubscribe> {
    let listeners = this.#channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
    }
    listeners.add(listener);
    return async () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#channels.get(channel) === listeners)
        this.#channels.delete(channel);
    };
  }
}
