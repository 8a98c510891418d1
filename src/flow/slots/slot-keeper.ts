import type { Logger } from 'pino';
import type { SlotHold, SlotStore } from '../../brokers/contract/slot-store.ts';

/**
 * Renews every slot a worker's running tasks hold, in one store call every third of the
 * shortest ttl among them. It runs only while something is held, so it needs no start or stop.
 */
export class SlotKeeper {
  readonly #holds = new Set<SlotHold>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: SlotStore,
    private readonly log: Logger,
  ) {}

  /** Renews these holds until `release`. */
  hold(holds: readonly SlotHold[]): void {
    for (const hold of holds) this.#holds.add(hold);
    this.#schedule();
  }

  /** Stops renewing these holds. */
  release(holds: readonly SlotHold[]): void {
    for (const hold of holds) this.#holds.delete(hold);
    if (this.#holds.size === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Holds being renewed now. */
  get size(): number {
    return this.#holds.size;
  }

  #schedule(): void {
    if (this.#timer || this.#holds.size === 0) return;
    const shortest = Math.min(...[...this.#holds].map((hold) => hold.ttlMs));
    // Unref'd: a hold outliving its worker's shutdown must not keep the process alive.
    this.#timer = setTimeout(() => void this.#renew(), Math.floor(shortest / 3)).unref();
  }

  async #renew(): Promise<void> {
    // Cleared first, so a hold added while this renewal waits schedules the next one itself.
    this.#timer = undefined;
    const holds = [...this.#holds];
    try {
      const kept = await this.store.renew(holds);
      if (kept < holds.length) {
        this.log.warn(
          { lost: holds.length - kept },
          'some locks or concurrency slots expired while their tasks ran; another task with the same key may be running',
        );
      }
    } catch (error) {
      this.log.error({ err: error }, 'renewing locks and concurrency slots failed; will try again');
    }
    this.#schedule();
  }
}
