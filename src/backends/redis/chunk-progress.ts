import { LuaScript } from '../../brokers/redis/lua-script.ts';
import type { RedisClient } from '../../redis/redis-connection.ts';
import type { ChunkProgress } from '../workflow-store.ts';

const COMMIT_PROGRESS = new LuaScript('commit-progress', new URL('./scripts/', import.meta.url));

/** The hash holding one run's progress; the braces keep it in one cluster slot. */
export function progressKey(prefix: string, key: string): string {
  return `${prefix}:progress:{${key}}`;
}

/** The progress in `hashKey`, or undefined when absent (Redis drops it once its TTL passes). */
export async function readRedisProgress(
  client: RedisClient,
  hashKey: string,
): Promise<ChunkProgress | undefined> {
  const json = await client.hget(hashKey, 'progress');
  return json === null ? undefined : (JSON.parse(json) as ChunkProgress);
}

/** Compare-and-set in one Lua script, so two runs of the same chunk cannot both commit. */
export async function commitRedisProgress(
  client: RedisClient,
  hashKey: string,
  fromStep: number,
  next: ChunkProgress,
  ttlMs: number,
): Promise<boolean> {
  const reply = await COMMIT_PROGRESS.run(
    client,
    [hashKey],
    [fromStep, next.step, JSON.stringify(next), Math.max(0, Math.ceil(ttlMs))],
  );
  return Number(reply) === 1;
}
