import { randomUUID } from 'node:crypto';
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
import { checkAvailableAt, checkRetryAt } from '../message-times.ts';
import { QueueWakeup } from '../queue-wakeup.ts';
import { MemoryBeatStore } from './memory-beat-store.ts';
import { MemoryBroadcast } from './memory-broadcast.ts';
import { MemoryRateStore } from './memory-rate-store.ts';
import { MemoryRevokeStore } from './memory-revoke-store.ts';
import { MemorySlotStore } from './memory-slot-store.ts';
import { MemoryUniqueStore } from './memory-unique-store.ts';
import { MemoryWorkerRegistry } from './memory-worker-registry.ts';
import { ReadyQueues } from './ready-queues.ts';

type RowState = 'ready' | 'reserved' | 'delayed';

interface Row {
  seq: number;
  id: string;
  queue: string;
  priority: number;
  body: Uint8Array;
  state: RowState;
  /** Due time when delayed, lease expiry when reserved. */
  availableAt: number;
  receipt: string | null;
  deliveryCount: number;
}

interface DeadRow extends DeadLetter {
  priority: number;
}

/** An in-process broker for tests and eager use: nothing survives the process. */
export class MemoryBroker implements Broker {
  readonly capabilities: TransportCapabilities = {
    delay: true,
    priorities: true,
    shared: false,
    leases: 'native',
    notifications: true,
    cluster: false,
  };
  /** Unique-task claims, kept beside the messages in this process. */
  readonly uniques = new MemoryUniqueStore((messages) => this.enqueue(messages));
  /** Locks and per-key concurrency, for this process only. */
  readonly slots = new MemorySlotStore();
  readonly rates: RateStore = new MemoryRateStore();
  /** The scheduler's leadership, ticks and entries, for this process only. */
  readonly beat = new MemoryBeatStore();
  /** Events and control between the apps and workers of this process. */
  readonly broadcast = new MemoryBroadcast();
  readonly revokes = new MemoryRevokeStore();
  readonly workers = new MemoryWorkerRegistry();
  #seq = 0;
  #rows = new Map<number, Row>();
  #ready = new ReadyQueues<Row>();
  /** Reserved and delayed rows: the only ones a clock can change. */
  #timed = new Set<Row>();
  #dead: DeadRow[] = [];
  #wakeup = new QueueWakeup();
  #closing = new AbortController();

  /** Nothing to open; re-arms waits after a close. */
  async connect(): Promise<void> {
    if (this.#closing.signal.aborted) this.#closing = new AbortController();
  }

  /** Ends pending waits; the messages stay, so a later connect sees them again. */
  async close(): Promise<void> {
    this.#closing.abort();
  }

  /** Adds the batch at once: future availableAt makes a message delayed. */
  async enqueue(messages: OutgoingMessage[]): Promise<void> {
    checkAvailableAt(messages);
    const now = Date.now();
    for (const m of messages) {
      const delayed = m.availableAt !== undefined && m.availableAt > now;
      const row: Row = {
        seq: ++this.#seq,
        id: m.id,
        queue: m.queue,
        priority: m.priority ?? 0,
        body: new Uint8Array(m.body),
        state: delayed ? 'delayed' : 'ready',
        availableAt: m.availableAt ?? now,
        receipt: null,
        deliveryCount: 0,
      };
      this.#rows.set(row.seq, row);
      if (delayed) this.#timed.add(row);
      else this.#pushReady(row);
    }
    this.#notify(messages.map((m) => m.queue));
  }

  /** Takes up to `max` ready messages, first queue first; waits up to `waitMs` for one. */
  async reserve(queues: string[], options: ReserveOptions): Promise<Delivery[]> {
    await this.connect();
    if (options.ack?.length) await this.ack(options.ack);
    const closing = this.#closing.signal;
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const taken = this.#reserveNow(queues, options.max, options.leaseMs);
      if (taken.length > 0) return taken;
      const left = deadline - Date.now();
      if (left <= 0 || options.signal?.aborted || closing.aborted) return [];
      await this.#waitForWork(queues, Math.min(left, this.#untilNextDue(queues)), [
        options.signal,
        closing,
      ]);
    }
  }

  /** Deletes messages whose receipts still hold. */
  async ack(deliveries: Delivery[]): Promise<number> {
    let count = 0;
    for (const d of deliveries) {
      const row = this.#held(d);
      if (!row) continue;
      this.#timed.delete(row);
      this.#rows.delete(row.seq);
      count++;
    }
    return count;
  }

  /** Schedules a retry or moves the message to the dead letters, if the receipt still holds. */
  async nack(delivery: Delivery, options: NackOptions): Promise<boolean> {
    checkRetryAt(delivery, options);
    const row = this.#held(delivery);
    if (!row) return false;
    this.#timed.delete(row);
    row.receipt = null;
    if (options.body) row.body = new Uint8Array(options.body);
    if ('deadLetter' in options) {
      this.#rows.delete(row.seq);
      const { id, queue, body, priority } = row;
      this.#dead.push({ id, queue, body, priority, reason: options.reason, failedAt: Date.now() });
      return true;
    }
    row.availableAt = options.retryAt;
    if (options.retryAt > Date.now()) {
      row.state = 'delayed';
      this.#timed.add(row);
    } else {
      this.#pushReady(row);
    }
    this.#notify([row.queue]);
    return true;
  }

  /** Moves each held lease `ms` past now. */
  async extendLease(deliveries: Delivery[], ms: number): Promise<number> {
    const until = Date.now() + ms;
    let count = 0;
    for (const d of deliveries) {
      const row = this.#held(d);
      if (!row) continue;
      row.availableAt = until;
      count++;
    }
    return count;
  }

  /** Counts one queue's messages by state. */
  async stats(queue: string): Promise<QueueStats> {
    const s: QueueStats = { queue, ready: 0, reserved: 0, delayed: 0, dead: 0 };
    for (const row of this.#rows.values()) if (row.queue === queue) s[row.state]++;
    s.dead = this.#dead.filter((d) => d.queue === queue).length;
    return s;
  }

  /** The delayed rows of a queue, soonest first. */
  async listDelayed(queue: string, limit: number): Promise<DelayedMessage[]> {
    return [...this.#timed]
      .filter((row) => row.queue === queue && row.state === 'delayed')
      .sort((a, b) => a.availableAt - b.availableAt)
      .slice(0, limit)
      .map(({ id, body, availableAt }) => ({ id, queue, body, availableAt }));
  }

  /** Sorted names of queues holding messages or dead letters. */
  async queues(): Promise<string[]> {
    const names = new Set<string>();
    for (const row of this.#rows.values()) names.add(row.queue);
    for (const d of this.#dead) names.add(d.queue);
    return [...names].sort();
  }

  /** Drops ready and delayed messages of a queue; reserved ones finish normally. */
  async purge(queue: string): Promise<number> {
    let count = 0;
    for (const row of [...this.#rows.values()]) {
      if (row.queue !== queue || row.state === 'reserved') continue;
      this.#timed.delete(row);
      this.#rows.delete(row.seq);
      count++;
    }
    this.#ready.clear(queue);
    return count;
  }

  /** Dead letters oldest first. */
  async listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const { queue, limit = 100, offset = 0 } = query;
    return this.#dead
      .filter((d) => queue === undefined || d.queue === queue)
      .slice(offset, offset + limit)
      .map(({ id, queue: q, body, reason, failedAt }) => ({
        id,
        queue: q,
        body: new Uint8Array(body),
        reason,
        failedAt,
      }));
  }

  /** Returns dead letters to their queues as fresh ready messages. */
  async requeueDeadLetters(ids?: string[]): Promise<number> {
    const wanted = ids ? new Set(ids) : undefined;
    const picked = (d: DeadRow) => wanted === undefined || wanted.has(d.id);
    const moving = this.#dead.filter(picked);
    this.#dead = this.#dead.filter((d) => !picked(d));
    const now = Date.now();
    for (const { id, queue, body, priority } of moving) {
      const row: Row = {
        seq: ++this.#seq,
        id,
        queue,
        body,
        priority,
        state: 'ready',
        availableAt: now,
        receipt: null,
        deliveryCount: 0,
      };
      this.#rows.set(row.seq, row);
      this.#pushReady(row);
    }
    this.#notify(moving.map((d) => d.queue));
    return moving.length;
  }

  /** Deletes all dead letters, or one queue's. */
  async purgeDeadLetters(queue?: string): Promise<number> {
    const before = this.#dead.length;
    this.#dead = queue === undefined ? [] : this.#dead.filter((d) => d.queue !== queue);
    return before - this.#dead.length;
  }

  #reserveNow(queues: string[], max: number, leaseMs: number): Delivery[] {
    const now = Date.now();
    this.#promoteDue(now);
    const out: Delivery[] = [];
    for (const queue of queues) {
      for (const row of this.#ready.take(queue, max - out.length)) {
        row.state = 'reserved';
        row.availableAt = now + leaseMs;
        const receipt = `${row.seq}:${randomUUID()}`;
        row.receipt = receipt;
        row.deliveryCount++;
        this.#timed.add(row);
        out.push(toDelivery(row, receipt));
      }
    }
    return out;
  }

  /** Due delayed rows and expired leases become ready again. */
  #promoteDue(now: number): void {
    for (const row of this.#timed) {
      if (row.availableAt > now) continue;
      this.#timed.delete(row);
      row.receipt = null;
      this.#pushReady(row);
    }
  }

  #pushReady(row: Row): void {
    row.state = 'ready';
    this.#ready.push(row);
  }

  #held(d: Delivery): Row | undefined {
    const row = this.#rows.get(Number.parseInt(d.receipt, 10));
    return row && row.state === 'reserved' && row.receipt === d.receipt ? row : undefined;
  }

  #untilNextDue(queues: string[]): number {
    const wanted = new Set(queues);
    let next = Number.POSITIVE_INFINITY;
    for (const row of this.#timed) {
      if (wanted.has(row.queue)) next = Math.min(next, row.availableAt);
    }
    // At least 1 ms so a row due this very millisecond cannot make the loop spin.
    return Math.max(next - Date.now(), 1);
  }

  #notify(queues: string[]): void {
    this.#wakeup.notify('', queues);
  }

  /** Sleeps `ms`, ending early when one of `queues` gets work or a signal aborts. */
  #waitForWork(queues: string[], ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
    return this.#wakeup.wait('', queues, ms, signals);
  }
}

function toDelivery(row: Row, receipt: string): Delivery {
  const { id, queue, priority, deliveryCount } = row;
  return { id, queue, priority, deliveryCount, body: new Uint8Array(row.body), receipt };
}
