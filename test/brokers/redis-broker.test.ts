import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/brokers/contract/index.ts';
import { RedisBroker } from '../../src/brokers/redis/redis-broker.ts';
import { brokerConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

let prefix: string;
const opened: RedisBroker[] = [];
const admin = redisAvailable ? new Redis(redisUrl) : undefined;

/** A broker on this test's prefix; each call is a separate connection, like another process. */
function open(options: { pollIntervalMs?: number } = {}): RedisBroker {
  const broker = new RedisBroker({
    url: redisUrl,
    prefix,
    pollIntervalMs: options.pollIntervalMs ?? 200,
  });
  opened.push(broker);
  return broker;
}

async function deletePrefix(p: string): Promise<void> {
  if (!admin) return;
  const keys = await admin.keys(`${p}:*`);
  if (keys.length > 0) await admin.del(...keys);
}

describe.skipIf(!redisAvailable)('redis broker', () => {
  beforeEach(() => {
    prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
    await deletePrefix(prefix);
  });
  afterAll(() => admin?.disconnect());

  brokerConformance('redis', () => open());

  const body = (text: string) => new TextEncoder().encode(text);

  it('moves a corrupted entry under a queue key to the dead-letter queue and keeps serving', async () => {
    const broker = open();
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('first') }]);
    await admin?.rpush(`${prefix}:{q}:p0`, 'not an entry');
    await broker.enqueue([{ id: 'b', queue: 'q', body: body('second') }]);
    const got = await broker.reserve(['q'], { max: 10, leaseMs: 60_000 });
    expect(got.map((d) => d.id)).toEqual(['a', 'b']);
    const dead = await broker.listDeadLetters({ queue: 'q' });
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toBe(
      `corrupted entry under a Celeriac key ${prefix}:{q}:p0: priority is not one digit 0-9 followed by |`,
    );
  });

  it('sets aside a foreign key of the wrong type and keeps the queue flowing', async () => {
    const broker = open();
    await admin?.set(`${prefix}:{q}:p5`, 'somebody else');
    await broker.enqueue([{ id: 'a', queue: 'q', body: body('x') }]);
    const got = await broker.reserve(['q'], { max: 10, leaseMs: 60_000 });
    expect(got.map((d) => d.id)).toEqual(['a']);
    const dead = await broker.listDeadLetters({ queue: 'q' });
    expect(dead[0]?.reason).toMatch(
      /^a foreign value of the wrong type was under .*:p5; moved to /,
    );
  });

  it('several brokers recovering expired leases at once deliver each message once more, not twice', async () => {
    const producer = open();
    await producer.enqueue(
      Array.from({ length: 200 }, (_, i) => ({ id: `m${i}`, queue: 'q', body: body(`${i}`) })),
    );
    const first = await producer.reserve(['q'], { max: 200, leaseMs: 100 });
    expect(first).toHaveLength(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const consumers = [open(), open(), open(), open()];
    const batches = await Promise.all(
      consumers.map((c) => c.reserve(['q'], { max: 200, leaseMs: 60_000 })),
    );
    const ids = batches.flat().map((d: Delivery) => d.id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(batches.flat().every((d) => d.deliveryCount === 2)).toBe(true);
  });

  it('several brokers promoting due messages at once deliver each once', async () => {
    const producer = open();
    const at = Date.now() + 150;
    await producer.enqueue(
      Array.from({ length: 300 }, (_, i) => ({
        id: `d${i}`,
        queue: 'q',
        body: body(`${i}`),
        availableAt: at,
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const consumers = [open(), open(), open()];
    const batches = await Promise.all(
      consumers.map((c) => c.reserve(['q'], { max: 300, leaseMs: 60_000 })),
    );
    const ids = batches.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(300);
    expect(ids).toHaveLength(300);
  });

  it('requeues a dead letter by its UUID id (stored as raw bytes)', async () => {
    const broker = open();
    const id = randomUUID();
    await broker.enqueue([
      { id, queue: 'q', body: body('x') },
      { id: 'other', queue: 'q', body: body('y') },
    ]);
    const held = await broker.reserve(['q'], { max: 2, leaseMs: 60_000 });
    for (const d of held) await broker.nack(d, { deadLetter: true, reason: 'boom' });
    expect((await broker.listDeadLetters({ queue: 'q' })).map((l) => l.id)).toEqual([id, 'other']);
    expect(await broker.requeueDeadLetters([id])).toBe(1);
    const again = await broker.reserve(['q'], { max: 2, leaseMs: 60_000 });
    expect(again.map((d) => d.id)).toEqual([id]);
  });

  it('names the host, not the password, when it cannot connect', async () => {
    const broker = new RedisBroker({
      url: 'redis://:s3cret@127.0.0.1:1/0',
      connectTimeoutMs: 2000,
    });
    const error = await broker.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^cannot connect to Redis at 127\.0\.0\.1:1: /);
    expect(error?.message).not.toContain('s3cret');
  });

  it('uses two connections (commands and wake-ups) whatever the load', async () => {
    const name = `celeriac-conn-${randomUUID().slice(0, 6)}`;
    const broker = new RedisBroker({ url: redisUrl, prefix, connectionName: name });
    opened.push(broker);
    await broker.enqueue(
      Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, queue: 'q', body: body('x') })),
    );
    await Promise.all(
      Array.from({ length: 20 }, () =>
        broker.reserve(['q'], { max: 5, leaseMs: 60_000, waitMs: 50 }),
      ),
    );
    const clients = (await admin?.client('LIST')) as string;
    const mine = clients.split('\n').filter((line) => line.includes(`name=${name}`));
    expect(mine).toHaveLength(2);
  });
});
