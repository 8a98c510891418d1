import type { RedisClient } from '../../redis/redis-connection.ts';
import type { UniqueClaim, UniqueSend, UniqueStore } from '../contract/unique-store.ts';
import { checkAvailableAt } from '../message-times.ts';
import { LuaScript } from './lua-script.ts';
import { publishUniqueArgs, uniqueClaimKey } from './publish-unique-args.ts';
import type { QueueKeys } from './queue-keys.ts';

const SCRIPTS = {
  publishUnique: new LuaScript('publish-unique'),
  releaseUnique: new LuaScript('release-unique'),
  extendUnique: new LuaScript('extend-unique'),
} as const;

/** What the store borrows from its Redis broker. */
export interface RedisUniqueContext {
  client(): Promise<RedisClient>;
  keysOf(queue: string): QueueKeys;
  /** Records the queue in the broker's queue index, once. */
  index(client: RedisClient, queue: string): Promise<void>;
  /** Retries a write through a connection outage until the broker's publish timeout. */
  withRetry<T>(operation: () => Promise<T>): Promise<T>;
}

/**
 * Unique claims of the Redis broker: each claim is a string key `{queue}:unique:<key>` holding
 * the message id, with PX ttl, written by the same script that pushes the message. Retrying a
 * call after a lost reply is safe: the message's own claim answers with its own id.
 */
export class RedisUniqueStore implements UniqueStore {
  constructor(private readonly context: RedisUniqueContext) {}

  /**
   * One script call per queue, however many claims, so a queue's part is stored whole or not at
   * all (the script reads its arguments one by one: no stack limit applies); duplicates get the
   * holder's id.
   */
  async enqueueUnique(claims: UniqueClaim[]): Promise<UniqueSend[]> {
    checkAvailableAt(claims.map((c) => c.message));
    const client = await this.context.client();
    const sends: UniqueSend[] = new Array(claims.length);
    for (const [queue, positions] of positionsByQueue(claims)) {
      await this.context.index(client, queue);
      const call = publishUniqueArgs(
        this.context.keysOf(queue),
        positions.map((p) => claims[p] as UniqueClaim),
        Date.now(),
      );
      const reply = (await this.context.withRetry(() =>
        SCRIPTS.publishUnique.run(client, call.keys, call.args),
      )) as Array<number | Buffer>;
      positions.forEach((position, j) => {
        sends[position] = { created: Number(reply[2 * j]) === 1, id: String(reply[2 * j + 1]) };
      });
    }
    return sends;
  }

  /** Drops the claim when `id` holds it. */
  async releaseUnique(queue: string, key: string, id: string): Promise<boolean> {
    const client = await this.context.client();
    const claimKey = uniqueClaimKey(this.context.keysOf(queue), key);
    return Number(await SCRIPTS.releaseUnique.run(client, [claimKey], [id])) === 1;
  }

  /** Moves the end of `id`'s live claim to `ttlMs` from now. */
  async extendUnique(queue: string, key: string, id: string, ttlMs: number): Promise<boolean> {
    const client = await this.context.client();
    const claimKey = uniqueClaimKey(this.context.keysOf(queue), key);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    return Number(await SCRIPTS.extendUnique.run(client, [claimKey], [id, ttl])) === 1;
  }
}

/** Indexes of the claims of each queue, in order. */
function positionsByQueue(claims: UniqueClaim[]): Map<string, number[]> {
  const byQueue = new Map<string, number[]>();
  claims.forEach((claim, position) => {
    const queue = claim.message.queue;
    const list = byQueue.get(queue);
    if (list) list.push(position);
    else byQueue.set(queue, [position]);
  });
  return byQueue;
}
