import type { RedisClient } from '../../redis/redis-connection.ts';
import type { Delivery, ReserveOptions } from '../contract/index.ts';
import { QueueWakeup } from '../queue-wakeup.ts';
import { groupBy } from './group-by.ts';
import { HandoffInbox, waiterMember } from './handoff.ts';
import { QueueHints } from './queue-hints.ts';
import type { QueueKeyring } from './queue-keys.ts';
import { maintainQueue, maintenanceDue } from './queue-maintenance.ts';
import { type ReservedBatch, reserveBatch } from './reserve-batch.ts';
import { monotonicMs, ServerClock } from './server-clock.ts';

/**
 * How much longer than its poll a waiter stays registered. Short: a worker that dies while
 * registered can be handed messages until then (they come back when their lease ends), and a
 * registration that lapses early costs nothing but the hand-off (the send then wakes it).
 */
const REGISTRATION_GRACE_MS = 250;

/** A reserve's open registration as a waiter on one queue (scripts/lib/waiters.lua). */
interface Registration {
  queue: string;
  member: string;
  prefix: string;
}

/** What a RedisReserver uses of its broker. */
export interface RedisReserverDeps {
  keys: QueueKeyring;
  pollIntervalMs: number;
  /** This broker's part of every receipt, unique to it. */
  receiptBase: string;
  /** Where sends hand this broker's waiting reserves their messages. */
  handoffChannel: string;
  /** Aborted when the broker closes: waits end. */
  closing: AbortSignal;
  /** Subscribes to the queues' wake channels, and to the hand-off channel when asked. */
  watch: (queues: string[], handoffs: boolean) => Promise<void>;
  ack: (deliveries: Delivery[]) => Promise<number>;
  warn: (error: unknown, what: string) => void;
}

/** One pass's bookkeeping: the acks still to send and the registration open, if any. */
interface ReserveState {
  acks: Map<string, Delivery[]>;
  deadline: number;
  handoffQueue: string | undefined;
  open: Registration | undefined;
}

/**
 * The reserve side of a RedisBroker: reserve.lua calls, the queue's maintenance when due, the
 * wait for a wake-up, and hand-offs. A wait on one queue registers as a waiter, so that a send
 * hands it its message inside the send (one hop through Redis instead of two).
 */
export class RedisReserver {
  /** When each queue next needs maintenance, on the server's clock. */
  readonly hints = new QueueHints();
  /** The server's clock, on which leases and due times live; it times naps and maintenance. */
  readonly clock = new ServerClock();
  readonly wakeup = new QueueWakeup();
  readonly #inbox = new HandoffInbox();
  #receiptCounter = 0;

  constructor(private readonly deps: RedisReserverDeps) {}

  /**
   * Reserves up to `max` messages from the queues in order; waits up to `waitMs` for some. Acks
   * in `options.ack` ride in the first call on their queue.
   */
  async reserve(
    client: RedisClient,
    queues: string[],
    options: ReserveOptions,
  ): Promise<Delivery[]> {
    const waits = (options.waitMs ?? 0) > 0;
    // On several queues one free slot could be handed a message by each: no hand-offs there.
    const state: ReserveState = {
      acks: groupBy(options.ack ?? [], (d) => d.queue),
      // Monotonic: a step of this machine's wall clock neither ends a poll nor stretches it.
      deadline: monotonicMs() + (options.waitMs ?? 0),
      handoffQueue: waits && queues.length === 1 ? queues[0] : undefined,
      open: undefined,
    };
    if (waits) await this.deps.watch(queues, state.handoffQueue !== undefined);
    const signals = [options.signal, this.deps.closing];
    try {
      for (;;) {
        const seen = this.wakeup.mark('', queues);
        const deliveries = await this.#round(client, queues, options, state);
        const left = state.deadline - monotonicMs();
        if (deliveries.length > 0 || left <= 0 || signals.some((s) => s?.aborted)) {
          const open = state.open;
          state.open = undefined;
          return open ? await this.#closeRegistration(client, open, options.leaseMs) : deliveries;
        }
        const next = this.hints.msUntilNext(queues, this.clock.now());
        const nap = Math.min(left, this.deps.pollIntervalMs, next);
        await this.wakeup.wait('', queues, nap, signals, seen);
        const handed = state.open && this.#inbox.close(state.open.prefix);
        if (handed && state.open) {
          this.#noteLeased(state.open.queue, handed.serverNow, options.leaseMs);
          state.open = undefined;
          return handed.deliveries;
        }
      }
    } finally {
      if (state.open) this.#inbox.close(state.open.prefix);
    }
  }

  /** Takes a hand-off published to this broker, and wakes the reserve it is for. */
  receiveHandoff(payload: Buffer): void {
    const queue = this.#inbox.receive(payload);
    if (queue !== undefined) this.wakeup.notify('', [queue]);
  }

  /** A wake-up for `queue`, with the earliest due time its send published. */
  receiveWake(queue: string, message: string): void {
    this.hints.noteDue(queue, Number(message));
    this.wakeup.notify('', [queue]);
  }

  /** One reserve.lua call per queue until `max` is reached; the previous registration closes. */
  async #round(
    client: RedisClient,
    queues: string[],
    options: ReserveOptions,
    state: ReserveState,
  ): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (const queue of queues) {
      if (deliveries.length >= options.max) break;
      const hint = this.hints.of(queue);
      if (maintenanceDue(hint, this.clock.now()))
        await maintainQueue(client, this.deps.keys.of(queue), hint, this.clock);
      const batch = state.acks.get(queue) ?? [];
      state.acks.delete(queue);
      const left = state.deadline - monotonicMs();
      const closing = state.open;
      state.open = undefined;
      const reserved = await this.#reserveFrom(client, queue, options.max - deliveries.length, {
        leaseMs: options.leaseMs,
        ackReceipts: batch.map((d) => d.receipt),
        close: closing,
        registerForMs:
          queue === state.handoffQueue && left > 0
            ? Math.min(left, this.deps.pollIntervalMs) + REGISTRATION_GRACE_MS
            : 0,
      });
      state.open = reserved.registration;
      deliveries.push(...reserved.deliveries);
    }
    // Acks of queues this call did not reach (earlier queues filled `max`).
    if (state.acks.size > 0) await this.deps.ack([...state.acks.values()].flat());
    state.acks.clear();
    return deliveries;
  }

  /**
   * Ends a registration in Redis before the reserve returns (a worker that stops asking must
   * not be handed messages) and returns what it was handed meanwhile. Should Redis not answer,
   * the registration lapses by itself and what it was handed goes back when its lease ends.
   */
  async #closeRegistration(
    client: RedisClient,
    registration: Registration,
    leaseMs: number,
  ): Promise<Delivery[]> {
    this.#inbox.close(registration.prefix);
    try {
      const closed = await this.#reserveFrom(client, registration.queue, 0, {
        leaseMs,
        ackReceipts: [],
        close: registration,
        registerForMs: 0,
      });
      return closed.deliveries;
    } catch (error) {
      this.deps.warn(error, 'could not end a wait for a hand-off; it lapses by itself');
      return [];
    }
  }

  /**
   * One reserve.lua call: closes `close` (its hand-offs come back first) and, should nothing be
   * ready and `registerForMs` be above 0, registers as a waiter for that long.
   */
  async #reserveFrom(
    client: RedisClient,
    queue: string,
    max: number,
    call: {
      leaseMs: number;
      ackReceipts: string[];
      close: Registration | undefined;
      registerForMs: number;
    },
  ): Promise<{ deliveries: Delivery[]; registration: Registration | undefined }> {
    const receiptPrefix = `${this.deps.receiptBase}.${++this.#receiptCounter}.`;
    const member =
      call.registerForMs > 0
        ? waiterMember(max, call.leaseMs, this.deps.handoffChannel, receiptPrefix)
        : undefined;
    if (call.close) this.#inbox.close(call.close.prefix);
    // Open before the call: a send may hand off before the reply arrives.
    if (member) this.#inbox.open(receiptPrefix, queue);
    const hints = this.hints.of(queue);
    // Other workers' leases and delayed retries change the hints without telling this one:
    // they are re-read once per poll interval, not on every reserve.
    const now = monotonicMs();
    const withHints = now - hints.readAt >= this.deps.pollIntervalMs;
    let batch: ReservedBatch;
    try {
      batch = await reserveBatch(client, {
        queue,
        keys: this.deps.keys.of(queue),
        max,
        receiptPrefix,
        withHints,
        leaseMs: call.leaseMs,
        ackReceipts: call.ackReceipts,
        // Written out, not spread in: a spread into a literal gives each call object a hidden
        // class of its own on Node 20, which a busy worker then promotes (BENCHMARKS.md).
        register: member ? { member, ttlMs: call.registerForMs } : undefined,
        close: call.close?.member,
      });
    } catch (error) {
      if (member) this.#inbox.close(receiptPrefix);
      throw error;
    }
    this.clock.observe(batch.serverNow);
    if (withHints) {
      hints.nextDue = batch.nextDue;
      hints.nextExpiry = batch.nextExpiry;
      hints.readAt = now;
    }
    if (batch.deliveries.length > 0) this.#noteLeased(queue, batch.serverNow, call.leaseMs);
    if (!member || !batch.registered) {
      if (member) this.#inbox.close(receiptPrefix);
      return { deliveries: batch.deliveries, registration: undefined };
    }
    return { deliveries: batch.deliveries, registration: { queue, member, prefix: receiptPrefix } };
  }

  /** Brings the queue's next lease expiry forward to the leases just taken, if earlier. */
  #noteLeased(queue: string, serverNow: number, leaseMs: number): void {
    const hints = this.hints.of(queue);
    const ourExpiry = serverNow + leaseMs;
    if (hints.nextExpiry < 0 || ourExpiry < hints.nextExpiry) hints.nextExpiry = ourExpiry;
  }
}
