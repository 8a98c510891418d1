import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/broker.ts';

const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * Collects acks made in the same turn of the event loop and sends them in one call. An ack that
 * fails (the broker is briefly unreachable) is retried a few times: acking an outdated receipt
 * changes nothing, so a late retry is safe, and each success saves a redelivery.
 */
export class AckBatcher {
  private pending: Delivery[] = [];
  private flushing: Promise<void> | undefined;
  private readonly retrying = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly broker: Broker,
    private readonly log: Logger,
  ) {}

  /** Queues an ack; resolves once it reached the broker (or was handed to the retries). */
  ack(delivery: Delivery): Promise<void> {
    this.pending.push(delivery);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.flush(),
    );
    return this.flushing;
  }

  /** Sends every queued ack now and waits for those already on their way. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushing = undefined;
    if (batch.length > 0) {
      const sending = this.send(batch, 0);
      this.inFlight.add(sending);
      void sending.finally(() => this.inFlight.delete(sending));
    }
    await Promise.all(this.inFlight);
  }

  /** Stops pending retries; their messages are delivered again when their leases run out. */
  close(): void {
    for (const timer of this.retrying) clearTimeout(timer);
    this.retrying.clear();
  }

  private async send(batch: Delivery[], attempt: number): Promise<void> {
    try {
      await this.broker.ack(batch);
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        this.log.error(
          { err: error, count: batch.length },
          'ack failed; these messages will be redelivered',
        );
        return;
      }
      this.log.warn({ err: error, count: batch.length, retryInMs: delay }, 'ack failed; retrying');
      const timer = setTimeout(() => {
        this.retrying.delete(timer);
        void this.send(batch, attempt + 1);
      }, delay);
      this.retrying.add(timer);
    }
  }
}
