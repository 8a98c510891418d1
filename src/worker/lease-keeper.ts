import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/contract/index.ts';

/**
 * Renews the leases of all running messages in one broker call every third of the lease, so a
 * task may run for hours while its worker lives, and is redelivered soon after it dies.
 */
export class LeaseKeeper {
  private readonly held = new Set<Delivery>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly leaseMs: number,
    private readonly log: Logger,
  ) {}

  /** Starts the renewal timer. */
  start(): void {
    this.timer ??= setInterval(
      () => void this.renew(),
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
  }

  /** Stops renewing. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Renews this delivery's lease until `release`. */
  hold(delivery: Delivery): void {
    this.held.add(delivery);
  }

  /** Stops renewing this delivery's lease. */
  release(delivery: Delivery): void {
    this.held.delete(delivery);
  }

  /** True while this delivery's lease is being renewed. */
  isHeld(delivery: Delivery): boolean {
    return this.held.has(delivery);
  }

  /** Deliveries whose leases are being renewed. */
  holding(): Delivery[] {
    return [...this.held];
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const batch = [...this.held];
    try {
      const kept = await this.broker.extendLease(batch, this.leaseMs);
      if (kept < batch.length) {
        this.log.warn(
          { lost: batch.length - kept },
          'some leases were lost; those tasks may run twice',
        );
      }
    } catch (error) {
      this.log.error({ err: error }, 'lease renewal failed; will try again');
    }
  }
}
