import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TaskResultRecord } from '../../src/backends/backend.ts';
import { encodeRecord } from '../../src/backends/record-json.ts';
import { chordKeys } from '../../src/backends/redis/chord-join.ts';
import {
  RedisBackend,
  type RedisBackendOptions,
  resultKey,
} from '../../src/backends/redis/redis-backend.ts';
import { BrokerUnavailable } from '../../src/errors/errors.ts';
import { describeTarget, parseRedisUrl } from '../../src/redis/redis-url.ts';
import { backendConformance } from '../../src/testing/backend-conformance.ts';
import { sleep } from '../../src/time/sleep.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

const PREFIX = `celeriac-test-${randomUUID().slice(0, 8)}`;
const target = parseRedisUrl(redisUrl, 'backend');
/** Under CI a missing server fails the suite (redis-available throws); elsewhere it skips. */
const skip = !redisAvailable && process.env.CI !== 'true';
if (skip) console.log(`redis-backend: skipped, no Redis at ${describeTarget(target)}`);

function makeRecord(overrides: Partial<TaskResultRecord> = {}): TaskResultRecord {
  return {
    id: randomUUID(),
    task: 'redis.task',
    state: 'SUCCESS',
    retries: 0,
    updatedAt: 1,
    ...overrides,
  };
}

/** `redisUrl` with other credentials, so the tests follow CELERIAC_TEST_REDIS_URL. */
function urlWithPassword(password: string): string {
  const url = new URL(redisUrl);
  url.username = '';
  url.password = password;
  return url.toString();
}

describe('RedisBackend connection failures', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('fails with one line naming host and port when nothing listens', async () => {
    const backend = new RedisBackend({ url: 'redis://127.0.0.1:1/0' });
    const failure = backend.connect();
    await expect(failure).rejects.toBeInstanceOf(BrokerUnavailable);
    await expect(failure).rejects.toThrow(
      'cannot connect to Redis at 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
    );
    // A later operation tries again, and fails the same way.
    await expect(backend.get('x')).rejects.toThrow('cannot connect to Redis at 127.0.0.1:1');
    await backend.close();
  });

  it('leaves no reconnect loop behind after a failed connect', async () => {
    const sockets: Socket[] = [];
    server = createServer((socket) => {
      sockets.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const backend = new RedisBackend({ url: `redis://127.0.0.1:${port}/0` });
    await expect(backend.connect()).rejects.toThrow(
      `cannot connect to Redis at 127.0.0.1:${port}: `,
    );
    // ioredis would retry after 50-100 ms; give it well over that to show it does not.
    await sleep(400);
    expect(sockets).toHaveLength(1);
    await backend.close();
  });
});

describe.skipIf(skip)('RedisBackend', () => {
  let admin: Redis;
  const backends: RedisBackend[] = [];

  function open(options: RedisBackendOptions = {}): RedisBackend {
    const backend = new RedisBackend({ url: redisUrl, prefix: PREFIX, ...options });
    backends.push(backend);
    return backend;
  }

  async function numsub(channel: string): Promise<number> {
    const reply = (await admin.pubsub('NUMSUB', channel)) as [string, number];
    return Number(reply[1]);
  }

  async function clientsNamed(name: string): Promise<number> {
    const list = await admin.client('LIST');
    const names = String(list).match(/ name=\S*/g) ?? [];
    return names.filter((found) => found === ` name=${name}` || found === ` name=${name}-sub`)
      .length;
  }

  beforeAll(() => {
    admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await admin.quit();
  });

  backendConformance('redis', () => new RedisBackend({ url: redisUrl, prefix: PREFIX }));

  it('stores one JSON key per task with the TTL as PX, or no expiry for ttl 0', async () => {
    const backend = open();
    const expiring = makeRecord({ value: { n: 1 } });
    const forever = makeRecord({ value: 'kept' });
    await backend.set(expiring, 60_000);
    await backend.set(forever, 0);
    const key = resultKey(PREFIX, expiring.id);
    expect(key).toBe(`${PREFIX}:result:{${expiring.id}}`);
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await admin.pttl(resultKey(PREFIX, forever.id))).toBe(-1);
    expect(JSON.parse((await admin.get(key)) ?? '{}')).toMatchObject({ state: 'SUCCESS' });
  });

  it('keeps a chord in two keys of one hash tag, expiring together with the TTL as PX', async () => {
    const backend = open();
    const chordId = `chord-${randomUUID()}`;
    const [stateKey, valuesKey] = chordKeys(PREFIX, chordId);
    expect(stateKey).toBe(`${PREFIX}:chord:{${chordId}}:state`);
    expect(valuesKey).toBe(`${PREFIX}:chord:{${chordId}}:values`);
    await backend.joinChord(chordId, 3, 1, { ok: true, value: { n: 1 } }, 60_000);
    expect(await admin.hgetall(stateKey)).toEqual({ size: '3', state: 'open' });
    expect(await admin.hgetall(valuesKey)).toEqual({ 1: '{"n":1}' });
    for (const key of [stateKey, valuesKey]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // ttl 0 takes the expiry off both keys.
    await backend.joinChord(chordId, 3, 0, { ok: true, value: 0 }, 0);
    expect(await admin.pttl(stateKey)).toBe(-1);
    expect(await admin.pttl(valuesKey)).toBe(-1);
  });

  it('drops a chord values once it completes, and forgetChord deletes its state', async () => {
    const backend = open();
    const chordId = `chord-${randomUUID()}`;
    const [stateKey, valuesKey] = chordKeys(PREFIX, chordId);
    await backend.joinChord(chordId, 2, 0, { ok: true, value: 'a' }, 60_000);
    await backend.joinChord(chordId, 2, 1, { ok: true, value: 'b' }, 60_000);
    expect(await admin.exists(valuesKey)).toBe(0);
    expect(await admin.hget(stateKey, 'state')).toBe('complete');
    await backend.forgetChord(chordId);
    expect(await admin.exists(stateKey)).toBe(0);
  });

  it('takes the prefix from ?prefix= in the URL', async () => {
    const backend = new RedisBackend({ url: `${redisUrl}?prefix=${PREFIX}-url` });
    backends.push(backend);
    const record = makeRecord();
    await backend.set(record, 60_000);
    expect(await admin.exists(`${PREFIX}-url:result:{${record.id}}`)).toBe(1);
  });

  it('wakes a wait through pub/sub when a second instance stores the result', async () => {
    // No recheck within the test: only the published message can end this wait early.
    const waiter = open({ recheckIntervalMs: 600_000 });
    const writer = open();
    const record = makeRecord({ value: 'across connections' });
    const waiting = waiter.wait(record.id, 600_000);
    await vi.waitFor(() => expect(waiter.subscribedChannels).toBe(1));
    await writer.set(makeRecord({ id: record.id, state: 'STARTED' }), 60_000);
    await writer.set(record, 60_000);
    expect(await waiting).toEqual(record);
  });

  it('rechecks without a message, in case a subscription was lost', async () => {
    const backend = open({ recheckIntervalMs: 50 });
    const record = makeRecord({ value: 'no message' });
    const waiting = backend.wait(record.id, 600_000);
    await vi.waitFor(() => expect(backend.subscribedChannels).toBe(1));
    // Written behind the backend's back: no PUBLISH.
    await admin.set(resultKey(PREFIX, record.id), JSON.stringify(encodeRecord(record)));
    expect(await waiting).toEqual(record);
  });

  it('rebuilds a result subscription that went quiet, and a wait wakes on the message again', async () => {
    // No recheck within the test: only the published message can end this wait early.
    const waiter = open({ recheckIntervalMs: 600_000, heartbeatMs: 100 });
    const writer = open();
    const record = makeRecord({ value: 'after the rebuild' });
    const channel = resultKey(PREFIX, record.id);
    const waiting = waiter.wait(record.id, 600_000);
    await vi.waitFor(async () => expect(await numsub(channel)).toBe(1));
    const subscriber = waiter.subscriber;
    const connection = subscriber?.connection;
    expect(connection).toBeDefined();
    // Silence the subscription behind the client's back, as a lost resubscribe would.
    await connection?.unsubscribe();
    expect(await numsub(channel)).toBe(0);
    // Only a rebuilt connection subscribes the channel again.
    await vi.waitFor(async () => expect(await numsub(channel)).toBe(1), { timeout: 5_000 });
    expect(subscriber?.connection).not.toBe(connection);
    expect(subscriber?.rebuilds).toBeGreaterThanOrEqual(1);
    await writer.set(record, 60_000);
    expect(await waiting).toEqual(record);
  });

  it('does not poll: a 1 s wait issues only a few GETs', async () => {
    const backend = open();
    await backend.connect();
    const id = randomUUID();
    const key = resultKey(PREFIX, id);
    const get = vi.spyOn(Redis.prototype, 'get');
    expect(await backend.wait(id, 1_000)).toBeUndefined();
    const reads = get.mock.calls.filter(([name]) => name === key).length;
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it('unsubscribes a channel when its last waiter leaves', async () => {
    const backend = open();
    const record = makeRecord();
    const channel = resultKey(PREFIX, record.id);
    const aborted = new AbortController();
    const first = backend.wait(record.id, 600_000, aborted.signal);
    const second = backend.wait(record.id, 600_000);
    const timedOut = backend.wait(randomUUID(), 50);
    await vi.waitFor(async () => expect(await numsub(channel)).toBe(1));
    aborted.abort();
    expect(await first).toBeUndefined();
    expect(await timedOut).toBeUndefined();
    // The other waiter still needs the channel.
    expect(await numsub(channel)).toBe(1);
    await backend.set(record, 60_000);
    expect(await second).toEqual(record);
    expect(await numsub(channel)).toBe(0);
    expect(backend.subscribedChannels).toBe(0);
  });

  it('ends pending waits with undefined on close', async () => {
    const backend = open();
    const waiting = backend.wait(randomUUID(), 600_000);
    await vi.waitFor(() => expect(backend.subscribedChannels).toBe(1));
    await backend.close();
    expect(await waiting).toBeUndefined();
    await expect(backend.get(randomUUID())).rejects.toThrow(/is closed/);
    await backend.connect();
    expect(await backend.get(randomUUID())).toBeUndefined();
  });

  it('opens at most two connections, whatever the number of waits', async () => {
    const name = `celeriac-backend-test-${randomUUID().slice(0, 8)}`;
    const backend = open({ connectionName: name });
    await Promise.all([backend.connect(), backend.connect()]);
    const records = Array.from({ length: 5 }, () => makeRecord());
    const waits = records.map((record) => backend.wait(record.id, 600_000));
    await vi.waitFor(() => expect(backend.subscribedChannels).toBe(records.length));
    await Promise.all(records.map((record) => backend.set(record, 60_000)));
    expect(await Promise.all(waits)).toEqual(records);
    expect(await clientsNamed(name)).toBe(2);
    await backend.close();
    await vi.waitFor(async () => expect(await clientsNamed(name)).toBe(0));
  });

  it('rejects wrong credentials clearly, without showing the password', async () => {
    // ioredis only warns when the server has no password; the backend checks AUTH itself.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const backend = open({ url: urlWithPassword('wrongpass') });
    const error = await backend.connect().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(BrokerUnavailable);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^Redis at ${describeTarget(target).replace(/[.[\]]/g, '\\$&')} refused the credentials: \\S`,
      ),
    );
    expect(message).not.toContain('wrongpass');
    expect(message).not.toContain('\n');
  });
});
