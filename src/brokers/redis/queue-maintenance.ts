import type { RedisClient } from '../../redis/redis-connection.ts';
import { SCRIPTS } from './lua-script.ts';
import type { QueueHint } from './queue-hints.ts';
import type { QueueKeys } from './queue-keys.ts';
import type { ServerClock } from './server-clock.ts';

/** Most delayed messages promoted, or expired leases recovered, per script call. */
const MAINTENANCE_LIMIT = 1000;

/** Whether the hint says a delayed message is due or a lease has run out, by `now` (server ms). */
export function maintenanceDue(hint: QueueHint, now: number): boolean {
  return (
    (hint.nextDue >= 0 && hint.nextDue <= now) || (hint.nextExpiry >= 0 && hint.nextExpiry <= now)
  );
}

/**
 * Runs promote-due and recover-leases for a queue as its hint says, and updates the hint. The
 * scripts decide what is due on the server's clock; their replies set `clock`.
 */
export async function maintainQueue(
  client: RedisClient,
  keys: QueueKeys,
  hint: QueueHint,
  clock: ServerClock,
): Promise<void> {
  if (hint.nextDue >= 0 && hint.nextDue <= clock.now()) {
    const [, next, serverNow] = (await SCRIPTS.promoteDue.run(
      client,
      [...keys.ready, keys.delayed, keys.dead],
      [MAINTENANCE_LIMIT],
    )) as [unknown, unknown, unknown];
    clock.observe(Number(serverNow));
    hint.nextDue = Number(next);
  }
  if (hint.nextExpiry >= 0 && hint.nextExpiry <= clock.now()) {
    const [, next, serverNow] = (await SCRIPTS.recoverLeases.run(
      client,
      [...keys.ready, keys.held, keys.leases, keys.dead],
      [MAINTENANCE_LIMIT],
    )) as [unknown, unknown, unknown];
    clock.observe(Number(serverNow));
    hint.nextExpiry = Number(next);
  }
}
