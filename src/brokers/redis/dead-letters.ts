import type { RedisClient } from '../../redis/redis-connection.ts';
import type { DeadLetter, DeadLetterQuery, RequeueReport } from '../contract/index.ts';
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

/**
 * Moves dead letters (all, or those with these ids) back to their queues and wakes consumers;
 * says how many moved and, when all were asked for, how many stayed and why.
 */
export async function requeueDeadLetters(
  client: RedisClient,
  keyring: QueueKeyring,
  queues: string[],
  ids: string[] | undefined,
): Promise<RequeueReport> {
  const report: RequeueReport = { requeued: 0, left: [] };
  if (ids && ids.length === 0) return report;
  const wanted = ids ? ids.map((id) => encodeId(id).bytes) : ['*'];
  for (const queue of queues) {
    const keys = keyring.of(queue);
    const reply = (await SCRIPTS.requeueDead.run(
      client,
      [...keys.ready, keys.dead],
      [Date.now(), ...wanted],
    )) as Buffer[];
    const moved = Number(reply[0]);
    if (moved > 0) await client.publish(keys.wakeChannel, '0');
    report.requeued += moved;
    for (let i = 1; i + 1 < reply.length; i += 2) {
      addLeft(report, String(reply[i]), Number(reply[i + 1]));
    }
  }
  return report;
}

function addLeft(report: RequeueReport, reason: string, count: number): void {
  const same = report.left.find((l) => l.reason === reason);
  if (same) same.count += count;
  else report.left.push({ reason, count });
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
