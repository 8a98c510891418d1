import type { RedisClient } from '../../redis/redis-connection.ts';
import { SCRIPTS } from './lua-script.ts';
import type { QueueHint } from './queue-hints.ts';
import type { QueueKeys } from './queue-keys.ts';

/** Most delayed messages promoted, or expired leases recovered, per script call. */
const MAINTENANCE_LIMIT = 1000;

/** Whether the hint says a delayed message is due or a lease has run out. */
export function maintenanceDue(hint: QueueHint, now: number): boolean {
  return (
    (hint.nextDue >= 0 && hint.nextDue <= now) || (hint.nextExpiry >= 0 && hint.nextExpiry <= now)
  );
}

/** Runs promote-due and recover-leases for a queue as its hint says, and updates the hint. */
export async function maintainQueue(
  client: RedisClient,
  keys: QueueKeys,
  hint: QueueHint,
  now: number,
): Promise<void> {
  if (hint.nextDue >= 0 && hint.nextDue <= now) {
    const [, next] = (await SCRIPTS.promoteDue.run(
      client,
      [...keys.ready, keys.delayed, keys.dead],
      [now, MAINTENANCE_LIMIT],
    )) as [unknown, unknown];
    hint.nextDue = Number(next);
  }
  if (hint.nextExpiry >= 0 && hint.nextExpiry <= now) {
    const [, next] = (await SCRIPTS.recoverLeases.run(
      client,
      [...keys.ready, keys.held, keys.leases, keys.dead],
      [now, MAINTENANCE_LIMIT],
    )) as [unknown, unknown];
    hint.nextExpiry = Number(next);
  }
}
