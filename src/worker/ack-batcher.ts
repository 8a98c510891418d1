import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/contract/index.ts';

const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/** Acks handed to a caller that sends them with its own broker call (the worker's next reserve). */
export interface TakenAcks {
  deliveries: Delivery[];
  /** Reports the call's outcome: on failure the acks go back to the batcher's retries. */
  done(error?: unknown): void;
}

/**
 * Collects acks made in the same turn of the event loop and sends them in one call, unless the
 * worker's next reserve takes them first. An ack that fails (the broker is briefly unreachable)
 * is retried a few times: acking an outdated receipt changes nothing, so a late retry is safe,
 * and each success saves a redelivery.
 */
export class AckBatcher {
  private pending: Delivery[] = [];
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Acks a task waits on before it starts (acks early), sent on their own. */
  private early: { deliveries: Delivery[]; sent: Promise<void> } | undefined;
  private readonly retrying = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly broker: Broker,
    private readonly log: Logger,
  ) {}

  /** Queues an ack; resolves once it reached the broker (or was handed to the retries). */
  ack(delivery: Delivery): Promise<void> {
    this.pending.push(delivery);
    if (!this.waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.waiting = { promise, resolve };
      setImmediate(this.#flushTaken);
    }
    return this.waiting.promise;
  }

  /**
   * Acks before the task runs (`acksLate: false`), batched within the turn but never handed
   * to a reserve: a reserve that long-polls an empty queue reports its acks only when its
   * poll ends, and the task would wait that long to start.
   */
  ackBeforeStart(delivery: Delivery): Promise<void> {
    if (this.early) {
      this.early.deliveries.push(delivery);
      return this.early.sent;
    }
    const deliveries = [delivery];
    const sent = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.early = undefined;
      return this.send(deliveries, 0);
    });
    this.early = { deliveries, sent };
    this.track(sent);
    return sent;
  }

  /** Flushes what no reserve took meanwhile; most turns, the next reserve took it all. */
  readonly #flushTaken = (): void => {
    if (this.waiting) void this.flush();
  };

  /** Takes the queued acks for the caller to send; it must report back with `done`. */
  take(): TakenAcks {
    const deliveries = this.pending;
    const waiting = this.waiting;
    this.pending = [];
    this.waiting = undefined;
    return {
      deliveries,
      done: (error) => {
        if (error !== undefined && deliveries.length > 0) this.scheduleRetry(deliveries, 0, error);
        waiting?.resolve();
      },
    };
  }

  /** Sends every queued ack now and waits for those already on their way. */
  async flush(): Promise<void> {
    const { deliveries, done } = this.take();
    if (deliveries.length > 0) this.track(this.send(deliveries, 0).finally(() => done()));
    else done();
    await Promise.all(this.inFlight);
  }

  /** Stops pending retries; their messages are delivered again when their leases run out. */
  close(): void {
    for (const timer of this.retrying) clearTimeout(timer);
    this.retrying.clear();
  }

  private track(sending: Promise<void>): void {
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private async send(batch: Delivery[], attempt: number): Promise<void> {
    try {
      await this.broker.ack(batch);
    } catch (error) {
      this.scheduleRetry(batch, attempt, error);
    }
  }

  private scheduleRetry(batch: Delivery[], attempt: number, error: unknown): void {
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
