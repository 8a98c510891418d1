import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/brokers/contract/index.ts';
import { MemoryBroker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

// A time that is not a finite number reached SQLite as NULL (`NOT NULL constraint failed`,
// naming neither the message nor the file), and the other brokers stored it as never due or
// due at once. Every broker refuses it the same way, naming the message, and keeps the rest.

const KINDS = redisAvailable ? ['memory', 'sqlite', 'redis'] : ['memory', 'sqlite'];
const BAD_TIMES = [Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number];

describe.each(KINDS)('times that are not times on the %s broker', (kind) => {
  const prefix = `celeriac-times-${randomUUID().slice(0, 8)}`;
  const dirs: string[] = [];
  const opened: Broker[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    if (kind === 'redis') await deleteRedisPrefix(prefix);
  });

  function open(): Broker {
    let broker: Broker;
    if (kind === 'memory') broker = new MemoryBroker();
    else if (kind === 'redis') broker = new RedisBroker({ url: redisUrl, prefix });
    else {
      const dir = mkdtempSync(join(tmpdir(), 'celeriac-times-'));
      dirs.push(dir);
      broker = new SqliteBroker({ path: join(dir, 'broker.db') });
    }
    opened.push(broker);
    return broker;
  }

  const body = new TextEncoder().encode('{}');

  for (const bad of BAD_TIMES) {
    it(`refuses a batch with availableAt ${String(bad)}, naming the message, and stores none of it`, async () => {
      const broker = open();
      const sent = broker.enqueue([
        { id: 'fine', queue: 'q', body },
        { id: 'late', queue: 'q', body, availableAt: bad },
      ]);
      await expect(sent).rejects.toThrow(
        `message "late": availableAt must be a finite number of epoch ms, not ${typeof bad === 'string' ? `"${bad}"` : String(bad)}`,
      );
      expect(await broker.stats('q')).toMatchObject({ ready: 0, delayed: 0 });
    });
  }

  it('refuses a retry at NaN, naming the message, and leaves it held for another outcome', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'm', queue: 'q', body }]);
    const [held] = await broker.reserve(['q'], { max: 1, leaseMs: 60_000 });
    if (!held) throw new Error('nothing reserved');

    await expect(broker.nack(held, { retryAt: Number.NaN })).rejects.toThrow(
      'message "m": retryAt must be a finite number of epoch ms, not NaN',
    );

    expect(await broker.nack(held, { deadLetter: true, reason: 'gave up' })).toBe(true);
    const letters = await broker.listDeadLetters({ queue: 'q' });
    expect(letters.map((l) => [l.id, l.reason])).toEqual([['m', 'gave up']]);
  });
});
