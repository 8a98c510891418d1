import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/broker.ts';

/** Collects acks made in the same turn of the event loop and sends them in one call. */
export class AckBatcher {
  private pending: Delivery[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly log: Logger,
  ) {}

  /** Queues an ack; resolves once it reached the broker. */
  ack(delivery: Delivery): Promise<void> {
    this.pending.push(delivery);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.flush(),
    );
    return this.flushing;
  }

  /** Sends every queued ack now. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushing = undefined;
    if (batch.length === 0) return;
    try {
      await this.broker.ack(batch);
    } catch (error) {
      // The leases of these messages run out and they are delivered again: at least once.
      this.log.error(
        { err: error, count: batch.length },
        'ack failed; messages will be redelivered',
      );
    }
  }
}
