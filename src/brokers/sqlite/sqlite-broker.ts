import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { BeatStore } from '../contract/beat-store.ts';
import type { Broadcast } from '../contract/broadcast.ts';
import type {
  Broker,
  DeadLetter,
  DeadLetterQuery,
  DelayedMessage,
  Delivery,
  NackOptions,
  OutgoingMessage,
  QueueStats,
  ReserveOptions,
  TransportCapabilities,
} from '../contract/index.ts';
import type { RateStore } from '../contract/rate-store.ts';
import type { RevokeStore } from '../contract/revoke-store.ts';
import type { SlotStore } from '../contract/slot-store.ts';
import type { UniqueStore } from '../contract/unique-store.ts';
import type { WorkerRegistry } from '../contract/worker-registry.ts';
import { checkRetryAt } from '../message-times.ts';
import { QueueWakeup } from '../queue-wakeup.ts';
import { insertMessage, toBuffer } from './insert-message.ts';
import { monotonicMs, prepareLeaseClock } from './lease-clock.ts';
import {
  deadLetterParams,
  type RawMovedRow,
  type RawReservedRow,
  readDeadLetterRow,
  readReservedRow,
  type StoredValue,
  stateProblem,
  untimedProblem,
} from './row-reader.ts';
import { DELAYED, openDatabase, READY } from './schema.ts';
import { SqliteBeatStore } from './sqlite-beat-store.ts';
import { SqliteBroadcast } from './sqlite-broadcast.ts';
import { SqliteRateStore } from './sqlite-rate-store.ts';
import { SqliteRevokeStore } from './sqlite-revoke-store.ts';
import { SqliteSlotStore } from './sqlite-slot-store.ts';
import { SqliteUniqueStore } from './sqlite-unique-store.ts';
import { SqliteWorkerRegistry } from './sqlite-worker-registry.ts';
import {
  type CountsRow,
  type MovedRow,
  prepareStatements,
  type Statements,
  UNKNOWN_STATE_INDEX,
} from './statements.ts';

/** Options of `new SqliteBroker(...)`. */
// Process-wide: every instance on the same file in this process wakes on another's enqueue;
// other processes are seen by polling.
const wakeup = new QueueWakeup();

/** Options of the SQLite broker: its file, and how often it polls for other processes' writes. */
export interface SqliteBrokerOptions {
  /** Database file; its directory is created when missing. */
  path: string;
  /** Longest sleep between checks while waiting for messages other processes may add. Default 50. */
  pollIntervalMs?: number;
  /** How often `broadcast` subscribers read the file for new messages. Default 50. */
  broadcastPollIntervalMs?: number;
}

interface Connection {
  db: Database.Database;
  stmts: Statements;
  /** Whether this process writes lease expiries on the monotonic clock (it knows the boot). */
  monotonicLeases: boolean;
}

/**
 * A broker in one SQLite file (WAL), shared safely by several processes on one machine: every
 * change runs in a `BEGIN IMMEDIATE` transaction.
 */
export class SqliteBroker implements Broker {
  // Sends of this process wake a waiting reserve; other processes' are seen by polling the file.
  readonly capabilities: TransportCapabilities = {
    delay: true,
    priorities: true,
    shared: true,
    leases: 'native',
    notifications: false,
    cluster: false,
  };
  /** Unique-task claims, in the same file and transactions as the messages. */
  readonly uniques: UniqueStore = new SqliteUniqueStore(
    () => this.#open(),
    (queues) => wakeup.notify(this.#file, queues),
  );
  /** Locks and per-key concurrency, in the same file. */
  readonly slots: SlotStore = new SqliteSlotStore(() => this.#open().db);
  readonly rates: RateStore = new SqliteRateStore(() => this.#open().db);
  /** The scheduler's leadership, ticks and entries, in the same file. */
  readonly beat: BeatStore = new SqliteBeatStore(() => this.#open().db);
  /** Events and control between processes: a table that each broker's subscribers poll. */
  readonly broadcast: Broadcast;
  readonly #broadcast: SqliteBroadcast;
  /** Revoked task ids, in the same file. */
  readonly revokes: RevokeStore = new SqliteRevokeStore(() => this.#open().db);
  /** The live workers, in the same file. */
  readonly workers: WorkerRegistry = new SqliteWorkerRegistry(() => this.#open().db);
  readonly #path: string;
  readonly #file: string;
  readonly #pollIntervalMs: number;
  #conn: Connection | undefined;
  #closing = new AbortController();

  /** Opens nothing yet: the first operation (or `connect`) opens the file. */
  constructor(options: SqliteBrokerOptions) {
    this.#path = options.path;
    this.#file = resolve(options.path);
    this.#pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 50);
    const broadcastPollMs = Math.max(1, options.broadcastPollIntervalMs ?? 50);
    this.#broadcast = new SqliteBroadcast(() => this.#open().db, broadcastPollMs);
    this.broadcast = this.#broadcast;
  }

  /** Opens and migrates the database; idempotent. */
  async connect(): Promise<void> {
    this.#open();
  }

  /** Ends pending waits and broadcast subscriptions, and closes the connection; a later operation reopens it. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#broadcast.close();
    this.#conn?.db.close();
    this.#conn = undefined;
  }

  /** Inserts the whole batch in one transaction; future availableAt makes a message delayed. */
  async enqueue(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { db, stmts } = this.#open();
    const now = Date.now();
    db.transaction(() => {
      for (const m of messages) insertMessage(stmts, m, now);
    }).immediate();
    wakeup.notify(
      this.#file,
      messages.map((m) => m.queue),
    );
  }

  /** Takes up to `max` ready messages, first queue first; waits up to `waitMs` for one. */
  async reserve(queues: string[], options: ReserveOptions): Promise<Delivery[]> {
    if (options.ack?.length) await this.ack(options.ack);
    if (queues.length === 0 || options.max <= 0) return [];
    this.#open();
    const closing = this.#closing.signal;
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      if (closing.aborted) return [];
      const taken = this.#reserveNow(queues, options.max, options.leaseMs);
      if (taken.length > 0) return taken;
      const left = deadline - Date.now();
      if (left <= 0 || options.signal?.aborted) return [];
      const nap = Math.min(left, this.#pollIntervalMs, this.#untilNextDue(queues));
      await wakeup.wait(this.#file, queues, nap, [options.signal, closing]);
    }
  }

  /** Deletes messages whose receipts still hold, in one transaction. */
  async ack(deliveries: Delivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const { db, stmts } = this.#open();
    return db
      .transaction(() => {
        let count = 0;
        for (const d of deliveries) {
          const seq = receiptSeq(d.receipt);
          if (seq !== undefined) count += stmts.ack.run(seq, d.receipt).changes;
        }
        return count;
      })
      .immediate();
  }

  /** Schedules a retry or moves the message to the dead letters, if the receipt still holds. */
  async nack(delivery: Delivery, options: NackOptions): Promise<boolean> {
    checkRetryAt(delivery, options);
    const seq = receiptSeq(delivery.receipt);
    if (seq === undefined) return false;
    const { db, stmts } = this.#open();
    const body = options.body ? toBuffer(options.body) : null;
    if ('deadLetter' in options) {
      return db
        .transaction(() => {
          const row = stmts.takeHeld.get(seq, delivery.receipt) as RawMovedRow | undefined;
          if (!row) return false;
          const moved = { ...row, body: body ?? row.body };
          stmts.insertDead.run(deadLetterParams(moved, options.reason, Date.now()));
          return true;
        })
        .immediate();
    }
    const state = options.retryAt > Date.now() ? DELAYED : READY;
    const params = { state, retryAt: options.retryAt, body, seq, receipt: delivery.receipt };
    const row = db.transaction(() => stmts.retry.get(params)).immediate();
    if (row) wakeup.notify(this.#file, [delivery.queue]);
    return row !== undefined;
  }

  /** Moves each held lease `ms` past now, in one transaction. */
  async extendLease(deliveries: Delivery[], ms: number): Promise<number> {
    if (deliveries.length === 0) return 0;
    const { db, stmts } = this.#open();
    return db
      .transaction(() => {
        const until = Date.now() + ms;
        const monoUntil = monotonicMs() + ms;
        let count = 0;
        for (const d of deliveries) {
          const seq = receiptSeq(d.receipt);
          if (seq !== undefined)
            count += stmts.extend.run(until, monoUntil, seq, d.receipt).changes;
        }
        return count;
      })
      .immediate();
  }

  /** Counts one queue's messages by state (an expired lease still counts as reserved). */
  async stats(queue: string): Promise<QueueStats> {
    const counts = this.#open().stmts.counts.get({ queue }) as CountsRow;
    return { queue, ...counts };
  }

  /** The delayed messages of a queue, soonest first. */
  async listDelayed(queue: string, limit: number): Promise<DelayedMessage[]> {
    const rows = this.#open().stmts.listDelayed.all({ queue, limit }) as Array<{
      id: string;
      body: Uint8Array;
      availableAt: number;
    }>;
    return rows.map((row) => ({ ...row, queue }));
  }

  /** Sorted names of queues holding messages or dead letters. */
  async queues(): Promise<string[]> {
    const rows = this.#open().stmts.queues.all() as { queue: string }[];
    return rows.map((r) => r.queue);
  }

  /** Drops ready and delayed messages of a queue; reserved ones finish normally. */
  async purge(queue: string): Promise<number> {
    const { db, stmts } = this.#open();
    return db
      .transaction(
        () => stmts.purgeReady.run(queue).changes + stmts.purgeDelayed.run(queue).changes,
      )
      .immediate();
  }

  /** Dead letters oldest first. */
  async listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const { queue = null, limit = 100, offset = 0 } = query;
    const rows = this.#open().stmts.listDead.all({ queue, limit, offset });
    return (rows as Array<Record<string, StoredValue>>).map(readDeadLetterRow);
  }

  /** Returns dead letters (all, or those with these ids) to their queues as ready messages. */
  async requeueDeadLetters(ids?: string[]): Promise<number> {
    const { db, stmts } = this.#open();
    const moved = db
      .transaction(() => {
        const rows = (
          ids ? stmts.takeDeadByIds.all(JSON.stringify(ids)) : stmts.takeDeadAll.all()
        ) as MovedRow[];
        // RETURNING has no defined order; keep the dead letters' original order in the queue.
        rows.sort((a, b) => a.seq - b.seq);
        const now = Date.now();
        for (const r of rows) {
          const { id, queue, priority, body } = r;
          stmts.insert.run({ id, queue, priority, state: READY, availableAt: now, body, now });
        }
        return rows;
      })
      .immediate();
    wakeup.notify(
      this.#file,
      moved.map((r) => r.queue),
    );
    return moved.length;
  }

  /** Deletes all dead letters, or one queue's. */
  async purgeDeadLetters(queue?: string): Promise<number> {
    const { db, stmts } = this.#open();
    const purge = () =>
      queue === undefined ? stmts.purgeDeadAll.run() : stmts.purgeDeadQueue.run(queue);
    return db.transaction(() => purge().changes).immediate();
  }

  #open(): Connection {
    if (this.#conn) return this.#conn;
    const db = openDatabase(this.#path);
    db.exec(UNKNOWN_STATE_INDEX);
    const monotonicLeases = prepareLeaseClock(db);
    this.#conn = { db, stmts: prepareStatements(db), monotonicLeases };
    if (this.#closing.signal.aborted) this.#closing = new AbortController();
    return this.#conn;
  }

  #reserveNow(queues: string[], max: number, leaseMs: number): Delivery[] {
    const { db, stmts, monotonicLeases } = this.#open();
    return db
      .transaction(() => {
        const now = Date.now();
        const mono = monotonicMs();
        deadLetterUntimed(stmts, now);
        stmts.promoteDelayed.run(now);
        stmts.expireWallLeases.run(now);
        stmts.expireMonoLeases.run(mono);
        const token = randomUUID();
        const leaseMono = monotonicLeases ? mono + leaseMs : null;
        const taken: Delivery[] = [];
        for (const queue of queues) {
          const limit = max - taken.length;
          if (limit <= 0) break;
          const params = { queue, limit, token, leaseUntil: now + leaseMs, leaseMono };
          const got = stmts.reserveFrom.all(params) as RawReservedRow[];
          // RETURNING has no defined order; restore the one the subquery picked.
          got.sort((a, b) => compareStored(b.priority, a.priority) || a.seq - b.seq);
          taken.push(...readOrDeadLetter(stmts, got, now));
        }
        return taken;
      })
      .immediate();
  }

  /** Ms until the next delayed message or lease in these queues falls due (at least 1). */
  #untilNextDue(queues: string[]): number {
    const wall = Date.now();
    const params = { queues: JSON.stringify(queues), wall, mono: monotonicMs() };
    const row = this.#open().stmts.nextDue.get(params) as { next: number | null };
    if (row.next === null) return Number.POSITIVE_INFINITY;
    return Math.max(row.next - wall, 1);
  }
}

/**
 * Dead-letters rows no reserve would ever reach: a due time or lease expiry that is not a time,
 * or a state that is none of ready, reserved, delayed. Each takes one index lookup.
 */
function deadLetterUntimed(stmts: Statements, now: number): void {
  const untimed = stmts.takeUntimed.all() as Array<RawMovedRow & { availableAt: StoredValue }>;
  for (const row of untimed) {
    stmts.insertDead.run(deadLetterParams(row, untimedProblem(row.seq, row.availableAt), now));
  }
  const stateless = stmts.takeStateless.all() as Array<RawMovedRow & { state: StoredValue }>;
  for (const row of stateless) {
    stmts.insertDead.run(deadLetterParams(row, stateProblem(row.seq, row.state), now));
  }
}

/** The readable rows as deliveries; the others go to the dead letters with their reason. */
function readOrDeadLetter(stmts: Statements, rows: RawReservedRow[], now: number): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const row of rows) {
    const read = readReservedRow(row);
    if (!('problem' in read)) {
      deliveries.push(read);
      continue;
    }
    const held = stmts.takeHeld.get(row.seq, row.receipt) as RawMovedRow;
    stmts.insertDead.run(deadLetterParams(held, read.problem, now));
  }
  return deliveries;
}

/** SQLite's order of stored values, for priorities of any type: numbers below text below blobs. */
function compareStored(a: StoredValue, b: StoredValue): number {
  const rank = (v: StoredValue) =>
    v === null ? 0 : Buffer.isBuffer(v) ? 3 : typeof v === 'string' ? 2 : 1;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** The row's seq carried at the front of a receipt (`seq:token`), or undefined when malformed. */
function receiptSeq(receipt: string): number | undefined {
  const seq = Number.parseInt(receipt, 10);
  return Number.isSafeInteger(seq) ? seq : undefined;
}
