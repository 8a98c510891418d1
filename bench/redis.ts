import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/** One field of an INFO section, as a string. */
async function infoField(redis: Redis, section: string, field: string): Promise<string> {
  const info = await redis.info(section);
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`INFO ${section} has no ${field}`);
  return line.slice(field.length + 1);
}

/** Redis `used_memory` in bytes, once no lazily freed object is pending. */
export async function usedMemory(redis: Redis): Promise<number> {
  await waitLazyFree(redis);
  return Number(await infoField(redis, 'memory', 'used_memory'));
}

/** Waits until UNLINKed values are really freed, so a memory reading excludes them. */
export async function waitLazyFree(redis: Redis): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Number(await infoField(redis, 'memory', 'lazyfree_pending_objects')) > 0) {
    if (Date.now() > deadline) throw new Error('Redis still frees objects after 30 s');
    await sleep(20);
  }
}

/** Deletes every key under `prefix:` (both systems put `:` after their prefix); returns the count. */
export function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  return deleteMatching(redis, `${prefix}:*`);
}

/** Deletes every key matching a glob made of a safe prefix and `*`s; returns the count. */
export async function deleteMatching(redis: Redis, glob: string): Promise<number> {
  // Never let a bug widen the pattern to other people's keys on this shared Redis.
  if (!/^[A-Za-z0-9_-]{8,}[A-Za-z0-9_:*-]*$/.test(glob)) throw new Error(`unsafe key glob ${glob}`);
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', glob, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Keys under `prefix:` and the bytes Redis attributes to them (MEMORY USAGE). */
export async function keysUnder(
  redis: Redis,
  prefix: string,
): Promise<{ keys: string[]; bytes: number }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  let bytes = 0;
  for (const key of keys) bytes += Number((await redis.memory('USAGE', key)) ?? 0);
  return { keys, bytes };
}

/** `cpu model, cores, memory, node version, redis version`, for the report. */
export async function machineLine(redis: Redis): Promise<string> {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  const version = await infoField(redis, 'server', 'redis_version');
  return `${model}, ${cores.length} cores, ${gib} GiB RAM, Node ${process.version}, Redis ${version}`;
}
