import type { OutgoingMessage } from '../contract/index.ts';
import { packEntry } from './entry.ts';
import type { QueueKeys } from './queue-keys.ts';

/**
 * KEYS and ARGV of one publish.lua call: messages grouped by target key, in order, then the keys
 * a hand-off writes (waiters, held, leases) and the dead list.
 */
export function publishArgs(
  keys: QueueKeys,
  messages: OutgoingMessage[],
  now: number,
): { keys: string[]; args: Array<string | number | Buffer> } {
  const targets: string[] = [];
  const groups: Array<{
    keyIndex: number;
    kind: 'r' | 'd';
    items: Array<string | number | Buffer>;
  }> = [];
  let earliest = Number.POSITIVE_INFINITY;
  for (const m of messages) {
    const due = m.availableAt !== undefined && m.availableAt > now ? m.availableAt : 0;
    const priority = m.priority ?? 0;
    const key = due === 0 ? (keys.ready[priority] as string) : keys.delayed;
    let keyIndex = targets.indexOf(key) + 1;
    if (keyIndex === 0) keyIndex = targets.push(key);
    const kind = due === 0 ? 'r' : 'd';
    let group = groups.at(-1);
    // Consecutive messages for the same key share one RPUSH/ZADD, keeping FIFO order.
    if (!group || group.keyIndex !== keyIndex) {
      group = { keyIndex, kind, items: [] };
      groups.push(group);
    }
    const entry = packEntry(priority, 0, m.id, m.body);
    if (kind === 'r') group.items.push(entry);
    else group.items.push(due, entry);
    earliest = Math.min(earliest, due);
  }
  const args: Array<string | number | Buffer> = [keys.wakeChannel, earliest, now];
  for (const g of groups) {
    args.push(g.keyIndex, g.kind, g.kind === 'r' ? g.items.length : g.items.length / 2);
    // Item by item: spreading a run of 100,000 or more overflows the call stack.
    for (const item of g.items) args.push(item);
  }
  return { keys: [...targets, keys.waiters, keys.held, keys.leases, keys.dead], args };
}
