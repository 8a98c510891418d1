import type { Logger } from 'pino';
import type { Broadcast } from '../brokers/broadcast.ts';
import { type ClusterEvent, EVENTS_CHANNEL } from './cluster-event.ts';

const FLUSH_EVERY_MS = 100;
const FLUSH_AT = 200;
const MAX_BUFFERED = 10_000;

/**
 * Publishes a process's events on the broker in batches: one broker write per 100 ms or per
 * 200 events, never one per event. `add` is synchronous and never waits for the broker; when
 * the broker falls behind, the oldest unsent events are dropped and counted.
 */
export class EventBroadcaster {
  #buffer: ClusterEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #publishing: Promise<void> | undefined;
  /** Events published, dropped (buffer full) and lost to publish errors since start. */
  readonly counts = { published: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly broadcast: Broadcast,
    private readonly log: Logger,
  ) {}

  /** Queues an event for the next batch. */
  add(event: ClusterEvent): void {
    if (this.#buffer.length >= MAX_BUFFERED) {
      this.#buffer.shift();
      this.counts.dropped++;
    }
    this.#buffer.push(event);
    if (this.#buffer.length >= FLUSH_AT) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS).unref();
  }

  /** Publishes what is buffered; resolves once it (and any publish in flight) is done. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#publishing) await this.#publishing;
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#publishing = this.#publish(batch).finally(() => {
      this.#publishing = undefined;
    });
    await this.#publishing;
  }

  async #publish(batch: ClusterEvent[]): Promise<void> {
    try {
      await this.broadcast.publish(EVENTS_CHANNEL, JSON.stringify(batch));
      this.counts.published += batch.length;
    } catch (error) {
      this.counts.failed += batch.length;
      this.log.warn({ err: error, events: batch.length }, 'could not publish events; dropped them');
    }
  }
}
