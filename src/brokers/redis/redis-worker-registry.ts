import { checkTtl } from '../../control/control-input.ts';
import type { RedisClient } from '../../redis/redis-connection.ts';
import type { WorkerInfo, WorkerRegistry } from '../contract/worker-registry.ts';
import { LuaScript } from './lua-script.ts';
import { controlTag } from './queue-keys.ts';

const SCRIPTS = {
  heartbeat: new LuaScript('worker-heartbeat'),
  remove: new LuaScript('worker-remove'),
  list: new LuaScript('list-workers'),
} as const;

/**
 * Live workers in Redis: a hash name → JSON info and a zset name → expiry (server time), both
 * under the hash tag `{control}`, changed together by one script per operation. Each heartbeat
 * drops the workers that lapsed, and both keys expire with the last live one.
 */
export class RedisWorkerRegistry implements WorkerRegistry {
  readonly #keys: [info: string, expiry: string];

  /** `client` gives the broker's command connection (connecting when needed). */
  constructor(
    private readonly client: () => Promise<RedisClient>,
    prefix: string,
  ) {
    const tag = controlTag(prefix);
    this.#keys = [`${tag}:workers`, `${tag}:workers:expiry`];
  }

  /** Replaces the worker's record and pushes its lapse to now + ttlMs (`worker-heartbeat.lua`). */
  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, 'heartbeat');
    const args = [info.name, JSON.stringify(info), Math.ceil(ttlMs)];
    await SCRIPTS.heartbeat.run(await this.client(), this.#keys, args);
  }

  /** Forgets a worker (`worker-remove.lua`). */
  async remove(name: string): Promise<void> {
    await SCRIPTS.remove.run(await this.client(), this.#keys, [name]);
  }

  /** Records not yet lapsed, sorted by name (`list-workers.lua`). */
  async list(): Promise<WorkerInfo[]> {
    const found = (await SCRIPTS.list.run(await this.client(), this.#keys, [])) as Buffer[];
    const infos = found.map((json) => JSON.parse(String(json)) as WorkerInfo);
    return infos.sort((a, b) => a.name.localeCompare(b.name));
  }
}
