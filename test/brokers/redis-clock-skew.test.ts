import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../src/brokers/contract/index.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

// Two workers on different machines disagree about the time. Leases and due times must be read
// on the server's clock, so a worker whose wall clock is an hour off neither takes back a lease
// another worker holds, nor promotes a countdown early, nor writes leases that look run out.

const HOUR_MS = 3_600_000;
const body = (text: string) => Buffer.from(text);

describe.skipIf(!redisAvailable)('Redis broker workers whose clocks differ', () => {
  const prefix = `celeriac-skew-${randomUUID().slice(0, 8)}`;
  const opened: RedisBroker[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((b) => b.close()));
    await deleteRedisPrefix(prefix);
  });

  function open(): RedisBroker {
    const broker = new RedisBroker({ url: redisUrl, prefix });
    opened.push(broker);
    return broker;
  }

  /** Moves this process's wall clock (Date only: timers and the monotonic clock stay real). */
  function stepClock(ms: number): void {
    const real = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(real + ms);
  }

  it('a worker an hour ahead takes back no live lease of another worker', async () => {
    const honest = open();
    const ahead = open();
    await honest.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    const held = await honest.reserve(['q'], { max: 1, leaseMs: 60_000 });
    expect(held.map((d) => d.id)).toEqual(['a']);

    stepClock(HOUR_MS);
    const taken = await ahead.reserve(['q'], { max: 10, leaseMs: 60_000 });

    expect(taken.map((d) => d.id)).toEqual([]);
    expect(await honest.ack(held)).toBe(1);
  });

  it('a worker an hour ahead promotes no countdown early', async () => {
    const producer = open();
    const ahead = open();
    await producer.enqueue([
      { id: 'later', queue: 'q', body: body('later'), availableAt: Date.now() + 60_000 },
    ]);

    stepClock(HOUR_MS);
    const taken = await ahead.reserve(['q'], { max: 10, leaseMs: 60_000 });

    expect(taken.map((d) => d.id)).toEqual([]);
    expect((await producer.stats('q')).delayed).toBe(1);
  });

  it('a worker an hour behind writes leases that another worker does not see as run out', async () => {
    const behind = open();
    const honest = open();
    await behind.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    stepClock(-HOUR_MS);
    const held = await behind.reserve(['q'], { max: 1, leaseMs: 60_000 });
    expect(held.map((d) => d.id)).toEqual(['a']);
    // Renewing the lease writes its expiry again, from the worker's side.
    expect(await behind.extendLease(held, 60_000)).toBe(1);

    vi.useRealTimers();
    const taken = await honest.reserve(['q'], { max: 10, leaseMs: 60_000 });

    expect(taken.map((d) => d.id)).toEqual([]);
    expect(await behind.ack(held)).toBe(1);
  });

  it('a retry delay from a worker an hour ahead counts from the server clock', async () => {
    const ahead = open();
    const honest = open();
    await ahead.enqueue([{ id: 'a', queue: 'q', body: body('a') }]);
    stepClock(HOUR_MS);
    const [held] = await ahead.reserve(['q'], { max: 1, leaseMs: 60_000 });
    // 200 ms from now by the worker's own clock: due in 200 ms, not in an hour.
    const retryAt = Date.now() + 200;
    expect(await ahead.nack(held as Delivery, { retryAt })).toBe(true);

    vi.useRealTimers();
    const taken = await honest.reserve(['q'], { max: 10, leaseMs: 60_000, waitMs: 20_000 });

    expect(taken.map((d) => d.id)).toEqual(['a']);
  });
});
