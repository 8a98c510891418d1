import type { RedisClient } from '../../redis/redis-connection.ts';
import type { Delivery } from '../contract/index.ts';
import { type Entry, readEntry } from './entry.ts';
import { SCRIPTS } from './lua-script.ts';
import type { QueueKeys } from './queue-keys.ts';

/** One reserve.lua call on one queue. */
export interface ReserveBatchCall {
  queue: string;
  keys: QueueKeys;
  max: number;
  leaseMs: number;
  /** Prefix of this call's receipts; the script appends 1, 2, ... */
  receiptPrefix: string;
  /** Receipts of this queue to ack in the same call. */
  ackReceipts: string[];
  /** Whether to read the maintenance hints (two more lookups). */
  withHints: boolean;
  /** Register as a waiter under this member, for `ttlMs`, should nothing be ready. */
  register: { member: string; ttlMs: number } | undefined;
  /** An earlier registration to close: what it was handed comes back first. */
  close: string | undefined;
}

/** What reserve.lua returned: the messages, and when the queue next needs maintenance. */
export interface ReservedBatch {
  deliveries: Delivery[];
  /** The server's time when it reserved (epoch ms): the clock of the hints and leases. */
  serverNow: number;
  /** Earliest delayed message's due time, -1 when none, -2 when not asked for. */
  nextDue: number;
  /** Earliest lease expiry, -1 when none, -2 when not asked for. */
  nextExpiry: number;
  /** Whether the call registered as a waiter (it found nothing and was asked to). */
  registered: boolean;
}

/** Acks the given receipts, then reserves up to `max` messages of one queue, atomically. */
export async function reserveBatch(
  client: RedisClient,
  call: ReserveBatchCall,
): Promise<ReservedBatch> {
  const { keys, queue } = call;
  const reply = (await SCRIPTS.reserve.run(client, keys.reserveKeys, [
    call.max,
    call.leaseMs,
    call.receiptPrefix,
    call.withHints ? '1' : '0',
    call.register?.member ?? '',
    call.register?.ttlMs ?? 0,
    call.close ?? '',
    ...call.ackReceipts,
  ])) as Buffer[];
  const deliveries: Delivery[] = [];
  const unreadable: Array<{ receipt: string; problem: string }> = [];
  for (let i = 4; i < reply.length; i += 2) {
    const receipt = (reply[i] as Buffer).toString();
    const entry = readEntry(reply[i + 1] as Buffer);
    if ('problem' in entry) unreadable.push({ receipt, problem: entry.problem });
    else deliveries.push(toDelivery(queue, receipt, entry));
  }
  // reserve.lua returns only entries its parser read, by the grammar readEntry shares; should
  // the two ever disagree, the receipt gets an outcome here rather than loop through its lease.
  if (unreadable.length > 0)
    await Promise.all(unreadable.map((u) => deadLetterUnreadable(client, keys, u)));
  return {
    deliveries,
    serverNow: Number(reply[2]),
    nextDue: Number(reply[0]),
    nextExpiry: Number(reply[1]),
    registered: Number(reply[3]) === 1,
  };
}

/** A held entry as the delivery a reserve hands out. */
export function toDelivery(queue: string, receipt: string, entry: Entry): Delivery {
  return {
    id: entry.id,
    queue,
    body: entry.body,
    priority: entry.priority,
    deliveryCount: entry.deliveries,
    receipt,
  };
}

/** Moves a held value this side cannot read to the dead list with the reason, atomically. */
async function deadLetterUnreadable(
  client: RedisClient,
  keys: QueueKeys,
  held: { receipt: string; problem: string },
): Promise<void> {
  const reason = `unreadable entry under a Celeriac key ${keys.held}: ${held.problem}`;
  await SCRIPTS.deadLetter.run(
    client,
    [keys.held, keys.leases, keys.dead],
    [held.receipt, reason, ''],
  );
}
