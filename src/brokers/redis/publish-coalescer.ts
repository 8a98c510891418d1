import type { OutgoingMessage } from '../contract/index.ts';

interface Waiter {
  messages: OutgoingMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers publishes made in the same turn of the microtask queue into one send, so concurrent
 * `delay()` calls share one script call per queue while a lone one waits for nothing (unlike
 * ioredis auto-pipelining, which holds every command until the next event-loop turn). The send
 * is atomic per queue, so every caller of a batch learns the same outcome.
 */
export class PublishCoalescer {
  #waiting: Waiter[] = [];

  constructor(private readonly send: (messages: OutgoingMessage[]) => Promise<void>) {}

  /** Resolves once these messages are stored, with the others of their batch. */
  publish(messages: OutgoingMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#waiting.length === 0) queueMicrotask(() => this.#flush());
      this.#waiting.push({ messages, resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    const messages =
      batch.length === 1 ? (batch[0] as Waiter).messages : batch.flatMap((w) => w.messages);
    this.send(messages).then(
      () => {
        for (const w of batch) w.resolve();
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }
}
