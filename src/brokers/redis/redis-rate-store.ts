import { decodeOverride, encodeOverride } from '../../flow/rate/gcra.ts';
import type { RedisClient } from '../../redis/redis-connection.ts';
import type {
  RateAdmission,
  RateLimit,
  RateOverride,
  RateRequest,
  RateStore,
} from '../contract/rate-store.ts';
import { LuaScript } from './lua-script.ts';

const ADMIT_RATE = new LuaScript('admit-rate');

/**
 * Key names of one task's rate limit. All share the hash tag `{rate:<task>}`, so the override
 * and every per-key state of a task sit in one Redis Cluster slot and one script reads both.
 */
export class RateKeys {
  readonly override: string;
  readonly #tag: string;

  constructor(prefix: string, task: string) {
    this.#tag = `${prefix}:{rate:${task}}`;
    this.override = `${this.#tag}:override`;
  }

  /** The booking TAT of one key (`''` for a task-wide limit). */
  state(key: string): string {
    return `${this.#tag}:state:${key}`;
  }

  /** The actual starts' TAT of one key. */
  starts(key: string): string {
    return `${this.#tag}:started:${key}`;
  }
}

/** The set of tasks with an override (its own slot; an index for listing, not on the hot path). */
function overrideIndexKey(prefix: string): string {
  return `${prefix}:rate-overrides`;
}

/** Rate limits in Redis: one `admit-rate.lua` call per admission, on the Redis clock. */
export class RedisRateStore implements RateStore {
  /** `client` gives the broker's command connection (connecting when needed). */
  constructor(
    private readonly client: () => Promise<RedisClient>,
    private readonly prefix: string,
  ) {}

  /** Admits or books with GCRA in one script; without `request.now`, on the Redis clock. */
  async admit(
    task: string,
    key: string,
    limit: RateLimit,
    request: RateRequest,
  ): Promise<RateAdmission> {
    const keys = new RateKeys(this.prefix, task);
    const reply = (await ADMIT_RATE.run(
      await this.client(),
      [keys.override, keys.state(key), keys.starts(key)],
      [
        limit.count,
        limit.perMs,
        limit.burst ?? 1,
        request.horizonMs,
        request.holdMs,
        request.booked ? 1 : 0,
        request.now ?? '',
      ],
    )) as [Buffer, Buffer, Buffer, Buffer?];
    const admission: RateAdmission = {
      kind: String(reply[0]) as RateAdmission['kind'],
      at: Number(String(reply[1])),
      now: Number(String(reply[2])),
    };
    if (reply[3] !== undefined) admission.intervalMs = Number(String(reply[3]));
    return admission;
  }

  /** Sets or clears a task's override (read by the next booking of any worker). */
  async setOverride(task: string, override: RateOverride | null): Promise<void> {
    const client = await this.client();
    const key = new RateKeys(this.prefix, task).override;
    if (override === null) {
      await client.del(key);
      await client.srem(overrideIndexKey(this.prefix), task);
      return;
    }
    await client.sadd(overrideIndexKey(this.prefix), task);
    await client.set(key, encodeOverride(override));
  }

  /** The overrides, by task name. */
  async overrides(): Promise<Map<string, RateOverride>> {
    const client = await this.client();
    const tasks = (await client.smembers(overrideIndexKey(this.prefix))).sort();
    const result = new Map<string, RateOverride>();
    for (const task of tasks) {
      const text = await client.get(new RateKeys(this.prefix, task).override);
      const override = text === null ? undefined : decodeOverride(text);
      if (override) result.set(task, override);
    }
    return result;
  }
}
