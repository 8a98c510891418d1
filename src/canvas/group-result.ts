import { READY_STATES } from '../backends/backend.ts';
import { ResultTimeout } from '../errors/errors.ts';
import type { AsyncResult } from '../result/async-result.ts';
import { type Duration, parseDuration } from '../time/duration.ts';

type MemberResult = AsyncResult | GroupResult;

/** The results of a group's members, in the order they were given. */
export class GroupResult<R extends readonly unknown[] = unknown[]> {
  constructor(
    /** The group id every member's message carries. */
    readonly id: string,
    /** One handle per member (a nested group's member is itself a GroupResult). */
    readonly results: readonly MemberResult[],
  ) {}

  /** Waits for every member and returns their values in member order; TaskFailed on the first failure met. */
  async get(options: { timeout?: Duration } = {}): Promise<R> {
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    const values: unknown[] = [];
    for (const member of this.results) {
      const left = deadline - Date.now();
      if (left <= 0 && timeoutMs !== undefined) throw new ResultTimeout(this.id, timeoutMs);
      values.push(await member.get(left === Infinity ? {} : { timeout: Math.max(1, left) }));
    }
    return values as unknown as R;
  }

  /** How many members succeeded so far. */
  async completed(): Promise<number> {
    return succeededIn(await this.#states());
  }

  /** True when any member ended in FAILURE, EXPIRED or REVOKED. */
  async failed(): Promise<boolean> {
    return failedIn(await this.#states());
  }

  /** True once every member reached a state after which nothing changes. */
  async ready(): Promise<boolean> {
    const ready = await Promise.all(this.results.map((member) => member.ready()));
    return ready.every(Boolean);
  }

  /** True once every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.completed()) === this.results.length;
  }

  /** Forgets every member's stored outcome. */
  async forget(): Promise<void> {
    await Promise.all(this.results.map((member) => member.forget()));
  }

  /** The state of a group as one word: SUCCESS when all succeeded, FAILURE when any failed, else PENDING. */
  async state(): Promise<'SUCCESS' | 'FAILURE' | 'PENDING'> {
    // One read of every member, not one per question.
    const states = await this.#states();
    if (failedIn(states)) return 'FAILURE';
    return succeededIn(states) === this.results.length ? 'SUCCESS' : 'PENDING';
  }

  #states(): Promise<string[]> {
    return Promise.all(this.results.map((member) => member.state()));
  }
}

function succeededIn(states: string[]): number {
  return states.filter((state) => state === 'SUCCESS').length;
}

function failedIn(states: string[]): boolean {
  return states.some((state) => state !== 'SUCCESS' && READY_STATES.has(state as never));
}
