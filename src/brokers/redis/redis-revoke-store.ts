import { checkLimit, checkTtl } from '../../control/control-input.ts';
import type { RedisClient } from '../../redis/redis-connection.ts';
import type { RevokedId, RevokeStore } from '../contract/revoke-store.ts';
import { LuaScript } from './lua-script.ts';
import { controlTag } from './queue-keys.ts';

const SCRIPTS = {
  revoke: new LuaScript('revoke'),
  whichRevoked: new LuaScript('which-revoked'),
  listRevoked: new LuaScript('list-revoked'),
} as const;

/**
 * Revoked ids in Redis: one zset `<prefix>:{control}:revoked` of id → expiry (server time), one
 * script per operation. Each revoke drops the lapsed ids, and the key expires with its last one.
 */
export class RedisRevokeStore implements RevokeStore {
  readonly #key: string;

  /** `client` gives the broker's command connection (connecting when needed). */
  constructor(
    private readonly client: () => Promise<RedisClient>,
    prefix: string,
  ) {
    this.#key = `${controlTag(prefix)}:revoked`;
  }

  /** Records the ids in one script (`revoke.lua`). */
  async revoke(ids: string[], ttlMs: number): Promise<void> {
    checkTtl(ttlMs, 'revoke');
    if (ids.length === 0) return;
    await SCRIPTS.revoke.run(await this.client(), [this.#key], [Math.ceil(ttlMs), ...ids]);
  }

  /** The live revokes, soonest to lapse first (`list-revoked.lua`). */
  async revoked(limit = Number.POSITIVE_INFINITY): Promise<RevokedId[]> {
    checkLimit(limit);
    if (limit === 0) return [];
    const count = limit === Number.POSITIVE_INFINITY ? -1 : limit;
    const flat = (await SCRIPTS.listRevoked.run(
      await this.client(),
      [this.#key],
      [count],
    )) as Buffer[];
    const out: RevokedId[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ id: String(flat[i]), expiresAt: Number(String(flat[i + 1])) });
    }
    return out;
  }

  /** The subset of `ids` revoked now, in one round trip (`which-revoked.lua`). */
  async whichRevoked(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = (await SCRIPTS.whichRevoked.run(
      await this.client(),
      [this.#key],
      ids,
    )) as Buffer[];
    return new Set(found.map(String));
  }
}
