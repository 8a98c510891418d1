import { gcraBook } from '../../flow/rate/gcra.ts';
import type {
  RateBooking,
  RateLimit,
  RateOverride,
  RateStore,
} from '../../flow/rate/rate-store.ts';

/** States past their time mean nothing; above this many keys, those are swept. */
const SWEEP_ABOVE = 10_000;

/** Rate limits of the memory broker: one process, so plain maps are atomic enough. */
export class MemoryRateStore implements RateStore {
  readonly #tats = new Map<string, number>();
  readonly #overrides = new Map<string, RateOverride>();

  /** Books with GCRA against this process's state. */
  async book(
    task: string,
    key: string,
    limit: RateLimit,
    horizonMs: number,
    now = Date.now(),
  ): Promise<RateBooking> {
    const override = this.#overrides.get(task);
    if (override === 'off') return { at: now, booked: false, now };
    const id = JSON.stringify([task, key]);
    const step = gcraBook(this.#tats.get(id), override ?? limit, now, horizonMs);
    if (step.tat !== undefined) this.#tats.set(id, step.tat);
    if (this.#tats.size > SWEEP_ABOVE) this.#sweep(now);
    return step.booking;
  }

  /** Sets or clears a task's override. */
  async setOverride(task: string, override: RateOverride | null): Promise<void> {
    if (override === null) this.#overrides.delete(task);
    else if (override === 'off') this.#overrides.set(task, override);
    else this.#overrides.set(task, { ...override, burst: override.burst ?? 1 });
  }

  /** A copy of the overrides. */
  async overrides(): Promise<Map<string, RateOverride>> {
    return new Map(this.#overrides);
  }

  #sweep(now: number): void {
    for (const [id, tat] of this.#tats) if (tat <= now) this.#tats.delete(id);
  }
}
