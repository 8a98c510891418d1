import type Database from 'better-sqlite3';
import type { Broadcast, Unsubscribe } from '../contract/broadcast.ts';
import { preparedFor } from './prepared-statements.ts';

type Listener = (payload: string) => void;

interface Subscription {
  listener: Listener;
  /** The last seq written when it subscribed: it hears only later rows. */
  after: number;
  active: boolean;
}

interface Row {
  seq: number;
  channel: string;
  payload: string;
}

interface BroadcastStatements {
  insert: Database.Statement<[string, string, number]>;
  trim: Database.Statement<[number]>;
  lastSeq: Database.Statement<[]>;
  since: Database.Statement<[number, number, string, number]>;
}

/** Rows are kept this long for pollers that fall behind, then trimmed. */
const KEEP_MS = 60_000;
/** A publish trims old rows at most this often per broker, not on every publish. */
const TRIM_EVERY_MS = 5_000;
/** Rows read per query while a poller catches up. */
const BATCH = 200;

/**
 * Broadcast through a table of the broker's SQLite file: a publish inserts a row, and one poller
 * per broker reads the rows of its subscribed channels past the last seq it saw. Seqs are
 * assigned inside write transactions, which SQLite serializes, so no row appears behind a seq
 * already read. Latency is up to one poll interval; rows live about a minute.
 */
export class SqliteBroadcast implements Broadcast {
  readonly #channels = new Map<string, Set<Subscription>>();
  readonly #prepared = new WeakMap<Database.Database, BroadcastStatements>();
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #cursor = 0;
  #trimmedAt = 0;
  #failing = false;

  /** `database` returns the broker's open connection (it may change after a reconnect). */
  constructor(
    private readonly database: () => Database.Database,
    private readonly pollIntervalMs: number,
  ) {}

  /** Inserts one row; now and then also deletes the rows older than a minute. */
  async publish(channel: string, payload: string): Promise<void> {
    const s = this.#open().s;
    const now = Date.now();
    s.insert.run(channel, payload, now);
    if (now - this.#trimmedAt >= TRIM_EVERY_MS) {
      this.#trimmedAt = now;
      s.trim.run(now - KEEP_MS);
    }
  }

  /** Adds a listener for rows written from now on, starting the poller for the first one. */
  async subscribe(channel: string, listener: Listener): Promise<Unsubscribe> {
    const subscription: Subscription = { listener, after: this.#lastSeq(), active: true };
    let subscriptions = this.#channels.get(channel);
    if (!subscriptions) {
      subscriptions = new Set();
      this.#channels.set(channel, subscriptions);
    }
    subscriptions.add(subscription);
    if (!this.#running) {
      this.#running = true;
      this.#cursor = subscription.after;
      this.#schedule();
    }
    return async () => this.#unsubscribe(channel, subscription);
  }

  /** Whether the poller runs (while any subscription lasts), for tests and diagnostics. */
  get polling(): boolean {
    return this.#running;
  }

  /** Stops the poller and drops every subscription (the broker is closing). */
  close(): void {
    for (const subscriptions of this.#channels.values())
      for (const subscription of subscriptions) subscription.active = false;
    this.#channels.clear();
    this.#stop();
  }

  #unsubscribe(channel: string, subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscriptions = this.#channels.get(channel);
    subscriptions?.delete(subscription);
    if (subscriptions?.size === 0) this.#channels.delete(channel);
    if (this.#channels.size === 0) this.#stop();
  }

  #stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (!this.#running || this.#timer) return;
    // Unref'd: a process that only listens is kept alive by its own work, not by this poller.
    this.#timer = setTimeout(() => this.#poll(), this.pollIntervalMs).unref();
  }

  #poll(): void {
    this.#timer = undefined;
    try {
      this.#drain();
      this.#failing = false;
    } catch (error) {
      // Warn once per run of failures, not on every tick (e.g. while the disk is full).
      if (!this.#failing) process.emitWarning(`broadcast poll failed: ${String(error)}`);
      this.#failing = true;
    }
    this.#schedule();
  }

  /** Reads and delivers every row past the cursor, a batch at a time. */
  #drain(): void {
    const { db, s } = this.#open();
    while (this.#running) {
      const channels = JSON.stringify([...this.#channels.keys()]);
      // One read transaction: the rows and the last seq come from the same snapshot.
      const { last, rows } = db.transaction(() => {
        const last = seqOf(s.lastSeq.get());
        return { last, rows: s.since.all(this.#cursor, last, channels, BATCH) as Row[] };
      })();
      const full = rows.length === BATCH;
      this.#cursor = full ? (rows.at(-1) as Row).seq : Math.max(this.#cursor, last);
      for (const row of rows) this.#deliver(row);
      if (!full) return;
    }
  }

  #deliver(row: Row): void {
    const subscriptions = this.#channels.get(row.channel);
    if (!subscriptions) return;
    for (const subscription of [...subscriptions]) {
      if (!subscription.active || row.seq <= subscription.after) continue;
      try {
        subscription.listener(row.payload);
      } catch (error) {
        process.emitWarning(`a broadcast listener on "${row.channel}" threw: ${String(error)}`);
      }
    }
  }

  #lastSeq(): number {
    return seqOf(this.#open().s.lastSeq.get());
  }

  #open(): { db: Database.Database; s: BroadcastStatements } {
    const db = this.database();
    return { db, s: preparedFor(this.#prepared, db, prepare) };
  }
}

/** The seq of a `sqlite_sequence` row; 0 before the first publish. */
function seqOf(row: unknown): number {
  return (row as { seq: number } | undefined)?.seq ?? 0;
}

function prepare(db: Database.Database): BroadcastStatements {
  return {
    insert: db.prepare('INSERT INTO broadcasts (channel, payload, created_at) VALUES (?, ?, ?)'),
    trim: db.prepare('DELETE FROM broadcasts WHERE created_at < ?'),
    // The highest seq ever given, even when trimming emptied the table.
    lastSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'broadcasts'"),
    since: db.prepare(
      `SELECT seq, channel, payload FROM broadcasts
       WHERE seq > ? AND seq <= ? AND channel IN (SELECT value FROM json_each(?))
       ORDER BY seq LIMIT ?`,
    ),
  };
}
