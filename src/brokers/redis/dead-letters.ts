import type { RedisClient } from '../../redis/redis-connection.ts';
import type { DeadLetter, DeadLetterQuery } from '../broker.ts';
import { encodeId, unpackDeadLetter, unpackEntry } from './entry.ts';
import { SCRIPTS } from './lua-script.ts';
import type { QueueKeyring } from './queue-keys.ts';

/** Lists dead letters of the given queues, oldest first. */
export async function listDeadLetters(
  client: RedisClient,
  keyring: QueueKeyring,
  queues: string[],
  query: DeadLetterQuery,
): Promise<DeadLetter[]> {
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  const letters: DeadLetter[] = [];
  for (const queue of queues) {
    const raw = await client.lrangeBuffer(keyring.of(queue).dead, 0, offset + limit - 1);
    letters.push(...raw.map((buf) => toDeadLetter(queue, buf)));
  }
  return letters.sort((a, b) => a.failedAt - b.failedAt).slice(offset, offset + limit);
}

/** Moves dead letters (all, or those with these ids) back to their queues and wakes consumers. */
export async function requeueDeadLetters(
  client: RedisClient,
  keyring: QueueKeyring,
  queues: string[],
  ids: string[] | undefined,
): Promise<number> {
  if (ids && ids.length === 0) return 0;
  let moved = 0;
  for (const queue of queues) {
    const keys = keyring.of(queue);
    const wanted = ids ? ids.map((id) => encodeId(id).bytes) : ['*'];
    const n = Number(await SCRIPTS.requeueDead.run(client, [...keys.ready, keys.dead], wanted));
    if (n > 0) await client.publish(keys.wakeChannel, '0');
    moved += n;
  }
  return moved;
}

/** Deletes the dead letters of these queues; returns how many. */
export async function purgeDeadLetters(
  client: RedisClient,
  keyring: QueueKeyring,
  queues: string[],
): Promise<number> {
  let removed = 0;
  for (const queue of queues) {
    const key = keyring.of(queue).dead;
    const [[, count]] = (await client.multi().llen(key).del(key).exec()) as [[unknown, number]];
    removed += Number(count);
  }
  return removed;
}

function toDeadLetter(queue: string, buf: Buffer): DeadLetter {
  const stored = unpackDeadLetter(buf);
  if (!stored) return { id: '?', queue, body: buf, reason: 'unreadable dead letter', failedAt: 0 };
  const entry = unpackEntry(stored.value);
  return {
    id: entry?.id ?? '?',
    queue,
    body: entry?.body ?? stored.value,
    reason: stored.reason,
    failedAt: stored.failedAt,
  };
}
