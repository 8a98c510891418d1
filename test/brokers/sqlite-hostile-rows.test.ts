import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/brokers/contract/index.ts';
import { SqliteBroker } from '../../src/brokers/sqlite/sqlite-broker.ts';
import { createApp } from '../../src/index.ts';
import { fuzzRuns } from '../fuzz/fuzz-runs.ts';

type Stored = string | number | bigint | Buffer | null;

/** A row as another program might write it: any value in any column but `queue`. */
interface HostileRow {
  id: Stored;
  priority: Stored;
  state: Stored;
  available_at: Stored;
  delivery_count: Stored;
  body: Stored;
  receipt: Stored;
}

const dir = mkdtempSync(join(tmpdir(), 'celeriac-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const anyValue = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
  fc.constant(null),
  fc.constantFrom(2 ** 53 + 2, -(2 ** 62), 999_999_999, 1e300, Number.POSITIVE_INFINITY),
);

/** The last epoch ms a Date can hold: a number above it is not a time. */
const LAST_DATE_MS = 8_640_000_000_000_000;
const pastCutoff = Date.now() - 1000;

/** A time still to come: a reserved or delayed row holding one rightly waits. */
function isFutureTime(value: Stored): boolean {
  return typeof value === 'number' && value > pastCutoff && value <= LAST_DATE_MS;
}

/**
 * Due times: readable ones in the past, or anything but a time still to come (fc.double()
 * reaches those now and then, and the shrinker then walks such a value down to about now).
 */
const availableAt = fc.oneof(
  fc.integer({ min: -1e15, max: pastCutoff }),
  fc.double({ max: pastCutoff, noNaN: true }),
  anyValue.filter((value) => !isFutureTime(value)),
);

const hostileRow: fc.Arbitrary<HostileRow> = fc.record({
  id: fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), anyValue),
  priority: fc.oneof(fc.integer({ min: 0, max: 9 }), anyValue),
  state: fc.oneof(fc.constantFrom(0, 1, 2), anyValue),
  available_at: availableAt,
  delivery_count: fc.oneof(fc.integer({ min: 0, max: 5 }), anyValue),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
    anyValue,
  ),
  receipt: fc.oneof(fc.constant(null), anyValue),
});

/** Inserts the rows SQLite accepts (NOT NULL refuses some); returns how many it took. */
function insertHostile(path: string, rows: HostileRow[], queue = 'q'): number {
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO messages
    (id, queue, priority, state, available_at, receipt, delivery_count, body, enqueued_at)
    VALUES (@id, @queue, @priority, @state, @available_at, @receipt, @delivery_count, @body, 0)`);
  let inserted = 0;
  for (const row of rows) {
    try {
      insert.run({ ...row, queue });
      inserted++;
    } catch (error) {
      expect((error as Error).message).toMatch(/NOT NULL constraint failed/);
    }
  }
  db.close();
  return inserted;
}

/** Reserves and acks until nothing comes; returns every delivery. */
async function drain(broker: SqliteBroker): Promise<Delivery[]> {
  const seen: Delivery[] = [];
  for (let round = 0; round < 100; round++) {
    const got = await broker.reserve(['q'], { max: 25, leaseMs: 60_000 });
    if (got.length === 0) break;
    expect(await broker.ack(got)).toBe(got.length);
    seen.push(...got);
  }
  return seen;
}

function clear(path: string): void {
  const db = new Database(path);
  db.exec('DELETE FROM messages; DELETE FROM dead_letters;');
  db.close();
}

function expectWellTyped(d: Delivery): void {
  expect(typeof d.id).toBe('string');
  expect(d.body).toBeInstanceOf(Uint8Array);
  expect(Number.isInteger(d.priority) && d.priority >= 0 && d.priority <= 9).toBe(true);
  expect(Number.isInteger(d.deliveryCount) && d.deliveryCount >= 1).toBe(true);
}

describe('the SQLite row reader', () => {
  it('delivers or dead-letters, with a reason, every row another program stores', async () => {
    const path = join(dir, 'fuzz.db');
    const broker = new SqliteBroker({ path });
    await broker.connect();
    const valid = ['v1', 'v2', 'v3'];
    await fc.assert(
      fc.asyncProperty(fc.array(hostileRow, { maxLength: 12 }), async (rows) => {
        clear(path);
        await broker.enqueue(valid.map((id) => ({ id, queue: 'q', body: Buffer.from(id) })));
        const inserted = insertHostile(path, rows);
        const delivered = await drain(broker);
        const dead = await broker.listDeadLetters({ queue: 'q', limit: 1000 });

        for (const d of delivered) expectWellTyped(d);
        for (const letter of dead) expect(letter.reason).toMatch(/^unreadable stored message/);
        expect(delivered.length + dead.length).toBe(valid.length + inserted);
        for (const id of valid) expect(delivered.filter((d) => d.id === id)).toHaveLength(1);
        expect(await broker.stats('q')).toEqual({
          queue: 'q',
          ready: 0,
          reserved: 0,
          delayed: 0,
          dead: dead.length,
        });
      }),
      { numRuns: fuzzRuns() },
    );
    await broker.close();
  });

  // Shapes found so far, kept as explicit cases, with the reason each must be dead-lettered for.
  const found: Array<[string, Partial<HostileRow>, string]> = [
    [
      'a delayed row due at text',
      { state: 2, available_at: 'soon' },
      'available_at is text "soon", not a time in epoch ms',
    ],
    [
      'a delayed row due at a blob',
      { state: 2, available_at: Buffer.from([1]) },
      'available_at is a blob of 1 bytes, not a time in epoch ms',
    ],
    [
      'a delayed row due at NaN as text',
      { state: 2, available_at: 'NaN' },
      'available_at is text "NaN", not a time in epoch ms',
    ],
    [
      'a delayed row due at infinity',
      { state: 2, available_at: Number.POSITIVE_INFINITY },
      'available_at is Infinity, not a time in epoch ms',
    ],
    [
      'a reserved row whose lease ends at text',
      { state: 1, available_at: 'x', receipt: '1:x' },
      'available_at is text "x", not a time in epoch ms',
    ],
    ['a row of an unknown state', { state: 7 }, 'state is 7, not 0, 1 or 2'],
    ['a row of a text state', { state: 'ready' }, 'state is text "ready", not 0, 1 or 2'],
    [
      'a text priority',
      { priority: 'high' },
      'priority is text "high", not an integer from 0 to 9',
    ],
    ['a fractional priority', { priority: 1.5 }, 'priority is 1.5, not an integer from 0 to 9'],
    ['a priority out of range', { priority: 12 }, 'priority is 12, not an integer from 0 to 9'],
    ['a negative priority', { priority: -1 }, 'priority is -1, not an integer from 0 to 9'],
    [
      'a text delivery count',
      { delivery_count: 'x' },
      "delivery_count is 'x', not an integer from 0 to 999999998",
    ],
    [
      'a fractional delivery count',
      { delivery_count: 1.5 },
      'delivery_count is 1.5, not an integer from 0 to 999999998',
    ],
    [
      'a negative delivery count',
      { delivery_count: -3 },
      'delivery_count is -3, not an integer from 0 to 999999998',
    ],
    [
      'a delivery count at its limit',
      { delivery_count: 999_999_999 },
      'delivery_count is 999999999, not an integer from 0 to 999999998',
    ],
    ['an integer body', { body: 42 }, 'body is 42, not a blob or text'],
    ['a blob id', { id: Buffer.from('id') }, 'id is a blob of 2 bytes, not text'],
  ];
  it.each(found)('dead-letters %s, naming the column', async (_name, hostile, reason) => {
    const path = join(dir, `case-${Math.random().toString(36).slice(2)}.db`);
    const broker = new SqliteBroker({ path });
    await broker.connect();
    await broker.enqueue([{ id: 'valid', queue: 'q', body: Buffer.from('{}') }]);
    const row = {
      id: 'bad',
      priority: 0,
      state: 0,
      available_at: 0,
      delivery_count: 0,
      body: Buffer.from('{}'),
      receipt: null,
      ...hostile,
    };
    expect(insertHostile(path, [row])).toBe(1);

    expect((await drain(broker)).map((d) => d.id)).toEqual(['valid']);
    const dead = await broker.listDeadLetters({ queue: 'q' });
    expect(dead.map((d) => d.reason)).toEqual([`unreadable stored message (row 2): ${reason}`]);
    expect(typeof dead[0]?.id).toBe('string');
    expect(dead[0]?.body).toBeInstanceOf(Uint8Array);
    await broker.close();
  });

  it('a worker runs every valid task once while delayed rows due at no time are dead-lettered', async () => {
    const path = join(dir, 'worker.db');
    const app = createApp({
      broker: new SqliteBroker({ path, pollIntervalMs: 10 }),
      logLevel: 'silent',
    });
    const ran: number[] = [];
    const probe = app.task('probe', (_ctx, n: number) => {
      ran.push(n);
    });
    await probe.delayMany(Array.from({ length: 50 }, (_, n) => [n] as [number]));
    const untimed: Stored[] = [
      'soon',
      'NaN',
      '',
      Buffer.from([0]),
      Number.POSITIVE_INFINITY,
      1e300,
    ];
    const rows = untimed.map((at, i) => ({
      id: `u${i}`,
      priority: 0,
      state: 2,
      available_at: at,
      delivery_count: 0,
      body: Buffer.from('{}'),
      receipt: null,
    }));
    expect(insertHostile(path, rows, 'default')).toBe(untimed.length);

    const worker = app.worker({ concurrency: 4, pollTimeout: 50 });
    await worker.start();
    for (let i = 0; i < 200 && ran.length < 50; i++) await new Promise((r) => setTimeout(r, 25));
    await worker.stop();

    expect([...ran].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(await app.broker.stats('default')).toMatchObject({ ready: 0, reserved: 0, delayed: 0 });
    const dead = await app.broker.listDeadLetters({ queue: 'default' });
    expect(dead.map((d) => d.id).sort()).toEqual(untimed.map((_, i) => `u${i}`));
    for (const d of dead)
      expect(d.reason).toMatch(/^unreadable stored message \(row \d+\): available_at is /);
    await app.close();
  });
});
