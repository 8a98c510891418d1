import { gcraAdmit, type RateState, stateExpiry } from '../../flow/rate/gcra.ts';
import type {
  RateAdmission,
  RateLimit,
  RateOverride,
  RateRequest,
  RateStore,
} from '../contract/rate-store.ts';

/** States past their time mean nothing; above this many keys, those are swept. */
const SWEEP_ABOVE = 10_000;

/** Rate limits of the memory broker: one process, so plain maps are atomic enough. */
export class MemoryRateStore implements RateStore {
  readonly #states = new Map<string, RateState>();
  readonly #overrides = new Map<string, RateOverride>();

  /** Admits or books with GCRA against this process's state. */
  async admit(
    task: string,
    key: string,
    limit: RateLimit,
    request: RateRequest,
  ): Promise<RateAdmission> {
    const now = request.now ?? Date.now();
    const override = this.#overrides.get(task);
    if (override === 'off') return { kind: 'start', at: now, now };
    const id = JSON.stringify([task, key]);
    const state = this.#states.get(id) ?? { booked: undefined, started: undefined };
    const step = gcraAdmit(state, override ?? limit, { ...request, now });
    if (step.state) this.#states.set(id, step.state);
    if (this.#states.size > SWEEP_ABOVE) this.#sweep(now);
    return step.admission;
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
    for (const [id, state] of this.#states) if (stateExpiry(state) <= now) this.#states.delete(id);
  }
}
