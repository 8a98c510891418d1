import type { UniqueClaim } from '../contract/unique-store.ts';
import { packEntry } from './entry.ts';
import type { QueueKeys } from './queue-keys.ts';

/** The claim key of `key` in a queue: under the queue's hash tag, so it shares the queue's slot. */
export function uniqueClaimKey(keys: QueueKeys, key: string): string {
  return `${keys.tag}:unique:${key}`;
}

/** KEYS and ARGV of one publish-unique.lua call: claims of one queue, in order, then the dead list. */
export function publishUniqueArgs(
  keys: QueueKeys,
  claims: UniqueClaim[],
  now: number,
): { keys: string[]; args: Array<string | number | Buffer> } {
  const targets: string[] = [];
  const indexOf = (key: string) => {
    const found = targets.indexOf(key);
    return found >= 0 ? found + 1 : targets.push(key);
  };
  const args: Array<string | number | Buffer> = [keys.wakeChannel, now];
  for (const { message: m, key, ttlMs } of claims) {
    const due = m.availableAt !== undefined && m.availableAt > now ? m.availableAt : 0;
    const priority = m.priority ?? 0;
    const target = due === 0 ? (keys.ready[priority] as string) : keys.delayed;
    args.push(
      indexOf(uniqueClaimKey(keys, key)),
      Math.max(1, Math.ceil(ttlMs)),
      m.id,
      indexOf(target),
      due,
      packEntry(priority, 0, m.id, m.body),
    );
  }
  return { keys: [...targets, keys.dead], args };
}
