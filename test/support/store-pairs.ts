import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Broker } from '../../src/brokers/contract/index.ts';
import { MemoryBroker } from '../../src/brokers/memory/memory-broker.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import type { RedisBrokerOptions } from '../../src/brokers/redis/redis-broker-options.ts';
import { SqliteBroker, type SqliteBrokerOptions } from '../../src/brokers/sqlite/sqlite-broker.ts';
import { redisUrl } from './redis-available.ts';
import { deleteRedisPrefix } from './redis-keys.ts';

/**
 * Two brokers on one store, standing for two processes: opened in the calling describe's
 * `beforeAll`, closed (and their file or keys deleted) in its `afterAll`. Conformance suites
 * share one pair across cases, since each case uses names of its own.
 */
export interface StorePair<B extends Broker> {
  /** The two brokers; only inside tests and hooks of the describe that made the pair. */
  readonly peers: () => readonly [B, B];
}

/** A pair on one SQLite file. */
export interface SqlitePair extends StorePair<SqliteBroker> {
  /** The file both brokers open; other processes of a test open it too. */
  readonly path: string;
}

/** A pair on one prefix of the test Redis. */
export interface RedisPair extends StorePair<RedisBroker> {
  /** The prefix both brokers use; everything under it is deleted after the suite. */
  readonly prefix: string;
}

/** What each broker of a Redis pair is opened with, beyond the test Redis and the prefix. */
export interface RedisPairOptions {
  first?: Omit<RedisBrokerOptions, 'url' | 'prefix'>;
  second?: Omit<RedisBrokerOptions, 'url' | 'prefix'>;
}

/** One memory broker twice: in-process stores have no other process to be. */
export function memoryPair(): StorePair<MemoryBroker> {
  return pairOf(() => {
    const broker = new MemoryBroker();
    return { peers: [broker, broker], cleanup: async () => {} };
  });
}

/** Two SQLite brokers on one file in a directory of its own. */
export function sqlitePair(options: Omit<SqliteBrokerOptions, 'path'> = {}): SqlitePair {
  // Named now so tests can read it; created only when the suite runs.
  const dir = join(tmpdir(), `celeriac-stores-${randomUUID().slice(0, 8)}`);
  const path = join(dir, 'broker.db');
  const pair = pairOf(() => {
    mkdirSync(dir, { recursive: true });
    return {
      peers: [new SqliteBroker({ ...options, path }), new SqliteBroker({ ...options, path })],
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
  return { ...pair, path };
}

/** Two Redis brokers on one fresh prefix of the test Redis; call it inside a Redis-only describe. */
export function redisPair(options: RedisPairOptions = {}): RedisPair {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const pair = pairOf(() => ({
    peers: [
      new RedisBroker({ ...options.first, url: redisUrl, prefix }),
      new RedisBroker({ ...options.second, url: redisUrl, prefix }),
    ],
    cleanup: () => deleteRedisPrefix(prefix),
  }));
  return { ...pair, prefix };
}

/** Registers the pair's lifecycle in the current describe; `open` runs in its `beforeAll`. */
function pairOf<B extends Broker>(
  open: () => { peers: readonly [B, B]; cleanup: () => Promise<void> },
): StorePair<B> {
  let opened: ReturnType<typeof open> | undefined;
  beforeAll(() => {
    opened = open();
  });
  afterAll(async () => {
    if (!opened) return;
    const [first, second] = opened.peers;
    await Promise.all(first === second ? [first.close()] : [first.close(), second.close()]);
    await opened.cleanup();
    opened = undefined;
  });
  return {
    peers: () => {
      if (!opened) throw new Error('a store pair is open only inside the describe that made it');
      return opened.peers;
    },
  };
}
