import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, Delivery } from '../../src/brokers/contract/index.ts';
import { SCHEMA_VERSION } from '../../src/brokers/sqlite/schema.ts';
import { SqliteBroker } from '../../src/brokers/sqlite/sqlite-broker.ts';
import { brokerConformance } from '../../src/testing/index.ts';
import { startGatedChild } from '../support/gated-child.ts';

let dir: string;
let path: string;
const opened: SqliteBroker[] = [];

/** A broker on this test's file; each call is a separate connection, like another process. */
function open(): SqliteBroker {
  const broker = new SqliteBroker({ path, pollIntervalMs: 20 });
  opened.push(broker);
  return broker;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'celeriac-sqlite-'));
  // A subdirectory that does not exist yet: the broker must create it.
  path = join(dir, 'nested', 'broker.db');
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  rmSync(dir, { recursive: true, force: true });
});

brokerConformance('sqlite', open);

const body = (text: string) => new TextEncoder().encode(text);
const lease = 60_000;

async function drain(broker: Broker, queue: string, max: number): Promise<Delivery[]> {
  const got: Delivery[] = [];
  for (;;) {
    const batch = await broker.reserve([queue], { max, leaseMs: lease });
    if (batch.length === 0) return got;
    got.push(...batch);
  }
}

const DRAINER = fileURLToPath(new URL('./fixtures/sqlite-drain.ts', import.meta.url));

/** Starts a drainer process; `ready` settles once it has opened the file, `done` with its ids. */
function startDrainer(queue: string) {
  return startGatedChild<string[]>(DRAINER, [path, queue], 'drainer');
}

describe('SqliteBroker', () => {
  it('delivers each message exactly once to three OS processes draining one file', async () => {
    const queue = `q-${randomUUID()}`;
    const total = 1_500;
    const producer = open();
    const sent = Array.from({ length: total }, (_, i) => ({
      id: `m${i}`,
      queue,
      body: body(`${i}`),
    }));
    await producer.enqueue(sent);
    const drainers = [startDrainer(queue), startDrainer(queue), startDrainer(queue)];
    await Promise.all(drainers.map((d) => d.ready));
    for (const d of drainers) d.go();
    const all = (await Promise.all(drainers.map((d) => d.done))).flat();
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(await producer.stats(queue)).toMatchObject({ ready: 0, reserved: 0, delayed: 0 });
  });

  it('opens the file in WAL mode at the current schema version', async () => {
    await open().connect();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('delivers each of 2,000 messages exactly once to two connections reserving at once', async () => {
    const [a, b] = [open(), open()];
    const queue = `q-${randomUUID()}`;
    const total = 2_000;
    const messages = Array.from({ length: total }, (_, i) => ({
      id: `m${i}`,
      queue,
      body: body(`payload ${i}`),
    }));
    await a.enqueue(messages);
    const results = await Promise.all([
      drain(a, queue, 25),
      drain(b, queue, 32),
      drain(a, queue, 9),
    ]);
    const all = results.flat();
    expect(all).toHaveLength(total);
    expect(new Set(all.map((d) => d.id)).size).toBe(total);
    expect(results.every((r) => r.length > 0)).toBe(true);
    expect(await b.ack(all)).toBe(total);
    expect(await a.stats(queue)).toMatchObject({ ready: 0, reserved: 0 });
  });

  it('keeps messages and dead letters across close and reopen', async () => {
    const first = open();
    await first.enqueue([{ id: 'kept', queue: 'q', body: body('still here'), priority: 7 }]);
    await first.enqueue([{ id: 'dead', queue: 'dlq', body: body('x') }]);
    const [d] = await first.reserve(['dlq'], { max: 1, leaseMs: lease });
    await first.nack(d as Delivery, { deadLetter: true, reason: 'kept too' });
    await first.close();

    const second = open();
    const [kept] = await second.reserve(['q'], { max: 1, leaseMs: lease });
    expect(kept).toMatchObject({ id: 'kept', priority: 7, deliveryCount: 1 });
    expect(new TextDecoder().decode(kept?.body)).toBe('still here');
    expect((await second.listDeadLetters()).map((x) => x.reason)).toEqual(['kept too']);
    // Reopening the first instance after close works as well.
    expect(await first.stats('q')).toMatchObject({ reserved: 1 });
  });

  it('does not deliver a message due in an hour', async () => {
    const broker = open();
    await broker.enqueue([
      { id: 'later', queue: 'q', body: body('x'), availableAt: Date.now() + 3_600_000 },
    ]);
    expect(await broker.reserve(['q'], { max: 10, leaseMs: lease, waitMs: 100 })).toEqual([]);
    expect(await broker.stats('q')).toMatchObject({ ready: 0, reserved: 0, delayed: 1 });
  });

  it('delivers a delayed message exactly once across repeated short-lease reserves', async () => {
    const [a, b] = [open(), open()];
    await a.enqueue([{ id: 'once', queue: 'q', body: body('x'), availableAt: Date.now() + 200 }]);
    const got: Delivery[] = [];
    const until = Date.now() + 600;
    while (Date.now() < until) {
      for (const broker of [a, b]) {
        const batch = await broker.reserve(['q'], { max: 10, leaseMs: 50, waitMs: 20 });
        got.push(...batch);
        expect(await broker.ack(batch)).toBe(batch.length);
      }
    }
    expect(got.map((d) => d.id)).toEqual(['once']);
    expect(await a.stats('q')).toMatchObject({ ready: 0, reserved: 0, delayed: 0 });
  });

  it('wakes a waiting reserve on another instance in this process at once', async () => {
    // A long poll interval: only the in-process notification can deliver within the wait.
    const waiter = new SqliteBroker({ path, pollIntervalMs: 60_000 });
    opened.push(waiter);
    const producer = open();
    const waiting = waiter.reserve(['q'], { max: 1, leaseMs: lease, waitMs: 30_000 });
    setTimeout(() => void producer.enqueue([{ id: 'hi', queue: 'q', body: body('x') }]), 30);
    expect((await waiting).map((d) => d.id)).toEqual(['hi']);
  });

  it('ends pending waits on close', async () => {
    const broker = open();
    const waiting = broker.reserve(['q'], { max: 1, leaseMs: lease, waitMs: 30_000 });
    setTimeout(() => void broker.close(), 30);
    expect(await waiting).toEqual([]);
  });
});
