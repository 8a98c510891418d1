import type { Delivery } from '../contract/index.ts';
import { readEntry } from './entry.ts';
import { toDelivery } from './reserve-batch.ts';

/** Messages a send handed to one waiting reserve (scripts/lib/waiters.lua). */
export interface Handoff {
  deliveries: Delivery[];
  /** The server's time when it leased them (epoch ms). */
  serverNow: number;
}

/** The waiter member a reserve registers under: what it asks for and where to send it. */
export function waiterMember(
  max: number,
  leaseMs: number,
  channel: string,
  receiptPrefix: string,
): string {
  return `${max}|${leaseMs}|${channel}|${receiptPrefix}`;
}

const NEWLINE = 0x0a;

/** The receipt prefix a hand-off is for: its first line; undefined when there is none. */
export function handoffPrefix(payload: Buffer): string | undefined {
  const end = payload.indexOf(NEWLINE);
  return end < 0 ? undefined : payload.toString('utf8', 0, end);
}

/**
 * Reads a hand-off as publish.lua writes it: `<receipt prefix>\n<server ms>\n`, then per message
 * `<length>\n<held entry>`, the receipts being the prefix and 1, 2, ...; undefined for anything
 * else. An entry this side cannot read is left out: its lease runs out and the broker's
 * recovery moves it on, as for any held message.
 */
export function readHandoff(queue: string, payload: Buffer): Handoff | undefined {
  const prefixEnd = payload.indexOf(NEWLINE);
  const nowEnd = prefixEnd < 0 ? -1 : payload.indexOf(NEWLINE, prefixEnd + 1);
  if (nowEnd < 0) return undefined;
  const receiptPrefix = payload.toString('utf8', 0, prefixEnd);
  const serverNow = Number(payload.toString('latin1', prefixEnd + 1, nowEnd));
  const deliveries: Delivery[] = [];
  let at = nowEnd + 1;
  for (let n = 1; at < payload.length; n++) {
    const lengthEnd = payload.indexOf(NEWLINE, at);
    const length = Number(payload.toString('latin1', at, lengthEnd));
    if (lengthEnd < 0 || !Number.isInteger(length) || lengthEnd + 1 + length > payload.length)
      return undefined;
    const entry = readEntry(payload.subarray(lengthEnd + 1, lengthEnd + 1 + length));
    if (!('problem' in entry)) deliveries.push(toDelivery(queue, `${receiptPrefix}${n}`, entry));
    at = lengthEnd + 1 + length;
  }
  return { deliveries, serverNow };
}

/**
 * The hand-offs of one broker's open registrations. A registration is opened before its reserve
 * is sent (the hand-off may arrive before the reply) and closed before the reserve that ends it
 * is sent; a hand-off arriving after that is dropped, as that reserve returns the same
 * messages from the held hash.
 */
export class HandoffInbox {
  // A short array, not a Map: every waiting reserve opens and closes a prefix, and a Map keeps
  // each deleted key until it rehashes, which a busy worker's old generation then holds (about
  // 10 MB of peak RSS at concurrency 1). At most a few reserves are open at once.
  readonly #open: Array<{ prefix: string; queue: string; handoff: Handoff | undefined }> = [];

  /** Starts taking hand-offs for this receipt prefix, a reserve's on `queue`. */
  open(receiptPrefix: string, queue: string): void {
    this.#open.push({ prefix: receiptPrefix, queue, handoff: undefined });
  }

  /** Stops taking them; returns one that already came (the registration is then spent). */
  close(receiptPrefix: string): Handoff | undefined {
    const at = this.#open.findIndex((o) => o.prefix === receiptPrefix);
    if (at < 0) return undefined;
    const [open] = this.#open.splice(at, 1);
    return open?.handoff;
  }

  /**
   * Keeps a published hand-off for its open registration; returns that registration's queue,
   * or undefined when none is open for it (the message is dropped).
   */
  receive(payload: Buffer): string | undefined {
    const prefix = handoffPrefix(payload);
    const open = this.#open.find((o) => o.prefix === prefix);
    if (!open || open.handoff) return undefined;
    const handoff = readHandoff(open.queue, payload);
    if (!handoff) return undefined;
    open.handoff = handoff;
    return open.queue;
  }
}
