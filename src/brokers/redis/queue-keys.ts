/**
 * Key names of one queue. All share the hash tag `{prefix:queue}`, so every script touches a
 * single Redis Cluster slot.
 */
export class QueueKeys {
  readonly ready: string[];
  readonly delayed: string;
  readonly held: string;
  readonly leases: string;
  readonly dead: string;
  readonly wakeChannel: string;

  constructor(prefix: string, queue: string) {
    const tag = `${prefix}:{${queue}}`;
    this.ready = Array.from({ length: 10 }, (_, p) => `${tag}:p${p}`);
    this.delayed = `${tag}:delayed`;
    this.held = `${tag}:held`;
    this.leases = `${tag}:leases`;
    this.dead = `${tag}:dead`;
    this.wakeChannel = `${tag}:wake`;
  }
}

/** The set of queue names ever published to (its own slot; an index, not on the hot path). */
export function queueIndexKey(prefix: string): string {
  return `${prefix}:queues`;
}
