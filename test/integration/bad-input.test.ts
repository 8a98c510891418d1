import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  type Delivery,
  MemoryBroker,
  PayloadTooLarge,
  type ReserveOptions,
} from '../../src/index.ts';
import { until } from '../e2e/e2e-env.ts';
import { BROKERS, counts, deadReasons, events, harness } from './harness.ts';

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('valid JSON');
}

function envelope(task: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  return {
    v: 1,
    id,
    task,
    args: [],
    queue: 'default',
    retries: 0,
    rootId: id,
    parentId: null,
    ...extra,
  };
}

describe.each(BROKERS)('bad input on the %s broker', (kind) => {
  const h = harness(kind);

  it('dead-letters malformed and unknown messages while good tasks keep flowing', async () => {
    const app = h.app();
    let ran = 0;
    const good = app.task('good', (_ctx, n: number) => {
      ran++;
      return n;
    });
    const { task: _omitted, ...lacksTask } = envelope('x');
    const bad = [
      { id: 'not-json', body: encode('not json') },
      { id: 'no-task', body: encode(lacksTask) },
      { id: 'unknown', body: encode(envelope('nope')) },
      { id: 'bad-utf8', body: new Uint8Array([0x7b, 0xff, 0x7d]) },
      { id: 'bad-retries', body: encode(envelope('good', { retries: -1 })) },
      { id: 'array', body: encode([1, 2, 3]) },
    ];
    // Good tasks before, between and after each bad message.
    const results = [];
    for (let i = 0; i < 20; i++) {
      results.push(await good.delay(i));
      const b = bad[i % 4 === 3 ? (i - 3) / 4 : -1];
      if (b) await app.broker.enqueue([{ id: b.id, queue: 'default', body: b.body }]);
    }
    await app.broker.enqueue(bad.slice(5).map((b) => ({ ...b, queue: 'default' })));
    expect(await counts(app)).toMatchObject({ ready: 26 });

    const worker = h.idleWorker(app, { concurrency: 3 });
    const succeeded = events(worker, 'task:succeeded', 20);
    const dead = events(worker, 'message:dead-lettered', bad.length);
    await worker.start();
    await Promise.all([succeeded, dead]);

    const values = await Promise.all(results.map((r) => r.get({ timeout: '10s' })));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(ran).toBe(20);
    const byId = Object.fromEntries(
      (await app.broker.listDeadLetters()).map((d) => [d.id, d.reason]),
    );
    expect(byId).toEqual({
      'not-json': `malformed message: body is not valid JSON (${jsonError('not json')})`,
      'no-task': 'malformed message: field "task" must be a non-empty string',
      unknown: 'unknown task "nope": it is not registered on this worker',
      'bad-utf8': 'malformed message: body is not valid UTF-8',
      'bad-retries': 'malformed message: field "retries" must be a non-negative integer, got -1',
      array: 'malformed message: its fields (third element) must be an object, got 3',
    });
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: bad.length });
    // The dead letters keep their bodies, byte for byte.
    const notJson = (await app.broker.listDeadLetters()).find((d) => d.id === 'not-json');
    expect(new TextDecoder().decode(notJson?.body)).toBe('not json');
  });

  it('refuses an oversized payload before sending anything', async () => {
    const app = h.app();
    const store = app.task('reports.store', (_ctx, text: string) => text.length);
    const error = await store.delay('x'.repeat(300 * 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect((error as PayloadTooLarge).code).toBe('PAYLOAD_TOO_LARGE');
    expect((error as Error).message).toMatch(
      /^task "reports\.store" payload is 300(\.\d)? KiB, over the 256 KiB limit \(maxPayloadBytes\): pass ids \(a database key, an object-store path\) instead of the data itself$/,
    );
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    expect(await app.broker.queues()).toEqual([]);

    await h.worker(app);
    const ok = await store.delay('small');
    expect(await ok.get({ timeout: '10s' })).toBe(5);
  });

  it('applies a smaller maxPayloadBytes', async () => {
    const app = h.app({ maxPayloadBytes: 1000 });
    const store = app.task('store', (_ctx, text: string) => text.length);
    await expect(store.delay('y'.repeat(2000))).rejects.toThrow(
      /^task "store" payload is 2(\.\d)? KiB, over the 1000 B limit/,
    );
    expect(await deadReasons(app)).toEqual([]);
    expect(await counts(app)).toMatchObject({ ready: 0 });
  });
});

/** A field set to a bad value, and the reason the message is dead-lettered with. */
const BAD_FIELDS: Array<[string, Record<string, unknown>, string]> = [
  ['v', { v: 'one' }, 'field "v" must be a number, got "one"'],
  ['id', { id: 7 }, 'field "id" must be a non-empty string, got 7'],
  ['task', { task: ['fields'] }, 'field "task" must be a non-empty string, got an array of 1'],
  ['queue', { queue: 5 }, 'field "queue" must be a non-empty string, got 5'],
  ['args', { args: 'oops' }, 'field "args" must be an array, got "oops"'],
  ['kwargs', { kwargs: [1] }, 'field "kwargs" must be an object, got an array of 1'],
  ['priority', { priority: 12 }, 'field "priority" must be an integer from 0 to 9, got 12'],
  ['eta', { eta: 'soon' }, 'field "eta" must be an ISO 8601 date, got "soon"'],
  ['expires', { expires: 42 }, 'field "expires" must be an ISO 8601 date, got 42'],
  ['retries', { retries: 1.5 }, 'field "retries" must be a non-negative integer, got 1.5'],
  [
    'timelimit',
    { timelimit: 'abc' },
    'field "timelimit" must be an array of two entries, [soft, hard], got "abc"',
  ],
  [
    'timelimit[1]',
    { timelimit: [10, 'abc'] },
    'field "timelimit[1]" must be a non-negative number or null, got "abc"',
  ],
  ['rootId', { rootId: {} }, 'field "rootId" must be a non-empty string, got an object'],
  ['parentId', { parentId: 42 }, 'field "parentId" must be a non-empty string or null, got 42'],
  ['groupId', { groupId: [] }, 'field "groupId" must be a non-empty string, got an empty array'],
  ['headers', { headers: 'h' }, 'field "headers" must be an object, got "h"'],
  ['links', { links: 'x' }, 'field "links" must be an array'],
  ['errbacks', { errbacks: [1] }, 'field "errbacks"[0] must be an object'],
  ['chain', { chain: {} }, 'field "chain" must be an array'],
  ['chord', { chord: 'c' }, 'field "chord" must be an object'],
  [
    'sentAt',
    { sentAt: 'yesterday' },
    'field "sentAt" must be a non-negative number, got "yesterday"',
  ],
  ['uniqueKey', { uniqueKey: 5 }, 'field "uniqueKey" must be a non-empty string, got 5'],
];

describe.each(BROKERS)('envelope fields validated one by one on the %s broker', (kind) => {
  const h = harness(kind);

  it.each(BAD_FIELDS)(
    'dead-letters a bad %s with its path; the next message runs',
    async (_f, bad, reason) => {
      const app = h.app();
      let ranBad = 0;
      app.task('fields', () => {
        ranBad++;
      });
      const good = app.task('good', (_ctx, n: number) => n);
      await app.broker.enqueue([
        { id: 'bad', queue: 'default', body: encode(envelope('fields', bad)) },
      ]);
      const after = await good.delay(1);
      const worker = h.idleWorker(app, { concurrency: 1 });
      const dead = events(worker, 'message:dead-lettered', 1);
      await worker.start();
      await dead;
      expect(await after.get({ timeout: '10s' })).toBe(1);
      expect(await deadReasons(app)).toEqual([`malformed message: ${reason}`]);
      expect(ranBad).toBe(0);
    },
  );
});

/** A broker whose storage lost the count of some messages, as a third-party or damaged one might. */
class MiscountingBroker extends MemoryBroker {
  constructor(private readonly counts: Record<string, number>) {
    super();
  }

  override async reserve(queues: string[], options: ReserveOptions): Promise<Delivery[]> {
    const got = await super.reserve(queues, options);
    return got.map((d) =>
      d.id in this.counts ? { ...d, deliveryCount: this.counts[d.id] as number } : d,
    );
  }
}

describe('a delivery count that is not a positive integer', () => {
  const h = harness('memory');

  it('dead-letters the message with the count in the reason; the next message runs', async () => {
    const app = h.app({ broker: new MiscountingBroker({ negative: -3, half: 1.5, zero: 0 }) });
    let ranBad = 0;
    app.task('fields', () => {
      ranBad++;
    });
    const good = app.task('good', (_ctx, n: number) => n);
    const bad = ['negative', 'half', 'zero'].map((id) => ({
      id,
      queue: 'default',
      body: encode(envelope('fields', { id })),
    }));
    await app.broker.enqueue(bad);
    const after = await good.delay(2);
    const worker = h.idleWorker(app, { concurrency: 1 });
    const dead = events(worker, 'message:dead-lettered', 3);
    await worker.start();
    await dead;
    expect(await after.get({ timeout: '10s' })).toBe(2);
    const reasons = (await app.broker.listDeadLetters()).map((d) => [d.id, d.reason]);
    const why = "malformed message: the broker's delivery count must be a positive integer, got";
    expect(reasons).toEqual([
      ['negative', `${why} -3`],
      ['half', `${why} 1.5`],
      ['zero', `${why} 0`],
    ]);
    expect(ranBad).toBe(0);
  });
});

describe('a delivery count stored negative in a SQLite broker file', () => {
  const h = harness('sqlite');

  it.each([-5, 0.5])(
    'dead-letters a message stored with count %s; the next message runs',
    async (stored) => {
      const app = h.app();
      let ranBad = 0;
      app.task('fields', () => {
        ranBad++;
      });
      const good = app.task('good', (_ctx, n: number) => n);
      await app.broker.enqueue([
        { id: 'miscounted', queue: 'default', body: encode(envelope('fields')) },
      ]);
      const db = new Database(join(h.tempDir(), 'broker.db'));
      db.prepare("UPDATE messages SET delivery_count = ? WHERE id = 'miscounted'").run(stored);
      db.close();
      const after = await good.delay(3);
      await h.worker(app, { concurrency: 1 });
      expect(await after.get({ timeout: '10s' })).toBe(3);
      // The broker may dead-letter it itself (no worker event then): wait on the count.
      await until(async () => (await counts(app)).dead === 1, 'the miscounted message');
      // The broker or the worker may be first to see it: either way the reason names the count.
      expect(await deadReasons(app)).toEqual([expect.stringMatching(/delivery[ _]count/)]);
      expect(ranBad).toBe(0);
    },
  );
});
