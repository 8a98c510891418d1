import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, OutgoingMessage } from '../../src/brokers/contract/index.ts';
import type { UniqueClaim, UniqueStore } from '../../src/brokers/contract/unique-store.ts';
import { MemoryBroker } from '../../src/brokers/memory/memory-broker.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { SqliteBroker } from '../../src/brokers/sqlite/sqlite-broker.ts';
import { sleep } from '../../src/time/sleep.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

type Kind = 'memory' | 'sqlite' | 'redis';
const KINDS: Kind[] = redisAvailable ? ['memory', 'sqlite', 'redis'] : ['memory', 'sqlite'];
const HOUR = 3_600_000;

const opened: Broker[] = [];
const dirs: string[] = [];
const prefixes: string[] = [];

/** A broker of `kind` and a second client of the same store (the same instance for memory). */
function brokers(kind: Kind): { broker: Broker; another: () => Broker } {
  if (kind === 'memory') {
    const broker = new MemoryBroker();
    return { broker, another: () => broker };
  }
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-unique-'));
    dirs.push(dir);
    const open = () => track(new SqliteBroker({ path: join(dir, 'broker.db') }));
    return { broker: open(), another: open };
  }
  const prefix = `celeriac-unique-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const open = () => track(new RedisBroker({ url: redisUrl, prefix }));
  return { broker: open(), another: open };
}

function track<B extends Broker>(broker: B): B {
  opened.push(broker);
  return broker;
}

function uniques(broker: Broker): UniqueStore {
  if (!broker.uniques) throw new Error('this broker keeps no unique claims');
  return broker.uniques;
}

function claim(id: string, key: string, extra: Partial<OutgoingMessage> = {}, ttlMs = HOUR) {
  const message = { id, queue: 'q', body: new TextEncoder().encode(`body-${id}`), ...extra };
  return { message, key, ttlMs } satisfies UniqueClaim;
}

async function readyIds(broker: Broker, queue = 'q'): Promise<string[]> {
  const got = await broker.reserve([queue], { max: 100, leaseMs: HOUR });
  return got.map((d) => d.id);
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  if (prefixes.length === 0) return;
  for (const prefix of prefixes.splice(0)) await deleteRedisPrefix(prefix);
});

describe.each(KINDS)('UniqueStore of the %s broker', (kind) => {
  it('stores the first send of a key and answers a second with the first id', async () => {
    const { broker, another } = brokers(kind);
    expect(await uniques(broker).enqueueUnique([claim('a', 'k')])).toEqual([
      { id: 'a', created: true },
    ]);
    expect(await uniques(another()).enqueueUnique([claim('b', 'k')])).toEqual([
      { id: 'a', created: false },
    ]);
    expect(await readyIds(broker)).toEqual(['a']);
    expect((await broker.stats('q')).reserved).toBe(1);
  });

  it('resolves a key repeated in one batch to its first message, keeping batch order', async () => {
    const { broker } = brokers(kind);
    const sends = await uniques(broker).enqueueUnique([
      claim('a', 'x'),
      claim('b', 'y'),
      claim('c', 'x'),
      claim('d', 'z'),
      claim('e', 'y'),
    ]);
    expect(sends.map((s) => [s.id, s.created])).toEqual([
      ['a', true],
      ['b', true],
      ['a', false],
      ['d', true],
      ['b', false],
    ]);
    expect(await readyIds(broker)).toEqual(['a', 'b', 'd']);
  });

  it('releases a claim only for the message that holds it', async () => {
    const { broker, another } = brokers(kind);
    const store = uniques(broker);
    await store.enqueueUnique([claim('a', 'k')]);
    expect(await uniques(another()).releaseUnique('q', 'k', 'someone-else')).toBe(false);
    expect((await store.enqueueUnique([claim('b', 'k')]))[0]).toEqual({ id: 'a', created: false });
    expect(await uniques(another()).releaseUnique('q', 'k', 'a')).toBe(true);
    expect(await store.releaseUnique('q', 'k', 'a')).toBe(false);
    expect((await store.enqueueUnique([claim('c', 'k')]))[0]).toEqual({ id: 'c', created: true });
    expect(await readyIds(broker)).toEqual(['a', 'c']);
  });

  it('lets a key be claimed again once its ttl has passed', async () => {
    const { broker } = brokers(kind);
    const store = uniques(broker);
    await store.enqueueUnique([claim('a', 'k', {}, 20)]);
    await sleep(80);
    expect(await store.enqueueUnique([claim('b', 'k')])).toEqual([{ id: 'b', created: true }]);
    // The lapsed claim's message is not its holder any more: it cannot release the new claim.
    expect(await store.releaseUnique('q', 'k', 'a')).toBe(false);
    expect(await store.enqueueUnique([claim('c', 'k')])).toEqual([{ id: 'b', created: false }]);
  });

  it('extends a live claim only for its holder', async () => {
    const { broker } = brokers(kind);
    const store = uniques(broker);
    await store.enqueueUnique([claim('a', 'k', {}, 20)]);
    expect(await store.extendUnique('q', 'k', 'other', HOUR)).toBe(false);
    expect(await store.extendUnique('q', 'k', 'a', HOUR)).toBe(true);
    await sleep(80);
    expect(await store.enqueueUnique([claim('b', 'k')])).toEqual([{ id: 'a', created: false }]);
    expect(await store.extendUnique('q', 'gone', 'a', HOUR)).toBe(false);
  });

  it('keeps claims per queue and holds delayed messages in the delayed set', async () => {
    const { broker } = brokers(kind);
    const store = uniques(broker);
    const later = Date.now() + HOUR;
    const sends = await store.enqueueUnique([
      claim('a', 'k'),
      claim('b', 'k', { queue: 'other' }),
      claim('c', 'later', { availableAt: later, priority: 3 }),
    ]);
    expect(sends.map((s) => s.created)).toEqual([true, true, true]);
    expect(await broker.stats('q')).toMatchObject({ ready: 1, delayed: 1 });
    expect(await broker.stats('other')).toMatchObject({ ready: 1, delayed: 0 });
    expect(await broker.queues()).toEqual(['other', 'q']);
  });
});
