import type { Logger } from 'pino';
import type { Broker, Delivery } from '../brokers/contract/index.ts';
import type { Executor } from '../executors/executor.ts';
import { sleep } from '../time/sleep.ts';
import type { AckBatcher } from './ack-batcher.ts';

/** What the reserve loop needs from its worker. */
export interface ReserveLoopDeps {
  broker: Broker;
  executor: Executor;
  acks: AckBatcher;
  queues: string[];
  leaseMs: number;
  pollTimeoutMs: number;
  log: Logger;
  /** Runs one delivery to its end (never rejects). */
  process(delivery: Delivery): Promise<void>;
  /** Work waiting for a slot that takes it before new messages (a due batch); never rejects. */
  nextJob?(): (() => Promise<void>) | undefined;
}

/** At most this many reserves in flight: one being answered while the other's tasks run. */
const MAX_RESERVES_IN_FLIGHT = 2;

/**
 * Reserves messages only for free slots, never more (no prefetch: a message waits in the broker,
 * where any worker can take it, until a slot here is free for it). With a backlog, the free
 * slots are asked for in two overlapping halves, so the broker's round trip for one half hides
 * behind the other half's work; an idle queue gets one long poll at a time.
 */
export class ReserveLoop {
  #claimed = 0;
  #backlog = false;
  #waiters: Array<() => void> = [];
  /** Ends the broker waits of the reserves in flight (stop, or `makeRoom`). */
  #polls = new AbortController();

  constructor(private readonly deps: ReserveLoopDeps) {}

  /** Whether the last reserve came back full: more messages are waiting than were asked for. */
  get backlogged(): boolean {
    return this.#backlog;
  }

  /** Looks at the free slots again now: the pool grew. */
  wake(): void {
    this.#notify();
  }

  /**
   * Work waits for a slot (`nextJob`): ends the long polls in flight, whose claimed slots would
   * otherwise stay claimed until a message came or the poll timed out, and looks again.
   */
  makeRoom(): void {
    const polls = this.#polls;
    this.#polls = new AbortController();
    polls.abort();
    this.#notify();
  }

  /** Runs until `signal` aborts, then waits for the reserves in flight. */
  async run(signal: AbortSignal): Promise<void> {
    const { executor } = this.deps;
    const calls = new Set<Promise<void>>();
    // One listener for the whole run: it ends the polls and wakes every #nextChange wait.
    const endPolls = () => {
      this.#polls.abort();
      this.#notify();
    };
    signal.addEventListener('abort', endPolls, { once: true });
    while (!signal.aborted) {
      const unclaimed = executor.size - executor.active - this.#claimed;
      const limit = this.#backlog ? MAX_RESERVES_IN_FLIGHT : 1;
      const job = unclaimed > 0 ? this.deps.nextJob?.() : undefined;
      if (job) {
        void executor.run(job).finally(() => this.#notify());
        continue;
      }
      if (unclaimed <= 0 || calls.size >= limit) {
        await this.#nextChange(signal);
        continue;
      }
      const share = this.#backlog ? Math.ceil(executor.size / MAX_RESERVES_IN_FLIGHT) : unclaimed;
      const max = Math.min(unclaimed, share);
      this.#claimed += max;
      const call: Promise<void> = this.#reserve(max, signal).finally(() => {
        this.#claimed -= max;
        calls.delete(call);
        this.#notify();
      });
      calls.add(call);
    }
    signal.removeEventListener('abort', endPolls);
    this.#notify();
    await Promise.all(calls);
  }

  async #reserve(max: number, signal: AbortSignal): Promise<void> {
    const { broker, executor, acks } = this.deps;
    // Acks of the tasks that just finished ride with this reserve: one round trip, not two.
    const taken = acks.take();
    let deliveries: Delivery[];
    try {
      deliveries = await broker.reserve(this.deps.queues, {
        max,
        leaseMs: this.deps.leaseMs,
        waitMs: this.deps.pollTimeoutMs,
        signal: this.#polls.signal,
        ack: taken.deliveries,
      });
      taken.done();
    } catch (error) {
      taken.done(error);
      this.#backlog = false;
      this.deps.log.error({ err: error }, 'reserve failed; retrying in 1s');
      await sleep(1000, signal);
      return;
    }
    this.#backlog = deliveries.length === max;
    for (const delivery of deliveries) {
      void executor.run(() => this.deps.process(delivery)).finally(() => this.#notify());
    }
  }

  /** Resolves when a slot frees, a reserve ends, or `signal` aborts. */
  #nextChange(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
