import type { Delivery } from '../brokers/contract/index.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { DeliveryDeps } from '../worker/delivery-deps.ts';
import { BatchBuffer } from './batch-buffer.ts';
import type { RegisteredBatchTask } from './batch-spec.ts';
import { type BatchEntry, runBatch, taskEvent } from './run-batch.ts';

interface TaskBuffer {
  task: RegisteredBatchTask;
  buffer: BatchBuffer<BatchEntry>;
}

/**
 * A worker's batch buffers, one per batch task. A buffered message holds no executor slot, but
 * its lease is held (renewed by the LeaseKeeper) until its batch settles it. A batch filled by
 * a message runs in that message's slot; a batch cut by `maxWait` waits for the reserve loop to
 * offer a free slot (`nextJob`), so batches never run beyond the worker's concurrency.
 */
export class WorkerBatches {
  readonly #buffers = new Map<string, TaskBuffer>();
  #closed = false;

  /** `onDue`: a batch reached its `maxWait` and needs a slot (wakes the reserve loop). */
  constructor(
    private readonly deps: DeliveryDeps,
    private readonly onDue: () => void,
  ) {}

  /**
   * Buffers a decoded message of a batch task. Resolves at once, or, when this message filled
   * its batch, once that batch ran and settled (in the caller's slot).
   */
  add(task: RegisteredBatchTask, delivery: Delivery, envelope: Envelope): Promise<void> {
    if (this.#closed) return this.#release({ delivery, envelope });
    this.deps.leases.hold(delivery);
    const { buffer } = this.#bufferOf(task);
    const full = buffer.add({ delivery, envelope });
    this.deps.events.emitSafely('task:buffered', { ...taskEvent(envelope), buffered: buffer.size });
    return full ? runBatch(this.deps, task, full) : Promise.resolve();
  }

  /** A due batch to run in a free slot, if any. */
  nextJob(): (() => Promise<void>) | undefined {
    if (this.#closed) return undefined;
    for (const { task, buffer } of this.#buffers.values()) {
      const due = buffer.takeDue();
      if (due) return () => runBatch(this.deps, task, due);
    }
    return undefined;
  }

  /** The envelopes buffered now, of all batch tasks (for `inspect reserved`). */
  bufferedEnvelopes(): Envelope[] {
    return [...this.#buffers.values()].flatMap(({ buffer }) =>
      buffer.items().map((entry) => entry.envelope),
    );
  }

  /** Messages buffered now, of all batch tasks (not those of running batches). */
  get buffered(): number {
    let count = 0;
    for (const { buffer } of this.#buffers.values()) count += buffer.size;
    return count;
  }

  /**
   * Stops batching and returns every buffered message, unchanged, to its queue for another
   * worker (shutdown). Running batches are left to finish.
   */
  async releaseBuffered(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#buffers.values()].flatMap(({ buffer }) => buffer.takeAll());
    if (entries.length > 0)
      this.deps.log.info({ count: entries.length }, 'returning buffered batch items to the queue');
    await Promise.all(entries.map((entry) => this.#release(entry)));
  }

  #bufferOf(task: RegisteredBatchTask): TaskBuffer {
    let entry = this.#buffers.get(task.name);
    if (!entry) {
      entry = {
        task,
        buffer: new BatchBuffer(task.batch.maxSize, task.batch.maxWaitMs, this.onDue),
      };
      this.#buffers.set(task.name, entry);
    }
    return entry;
  }

  async #release({ delivery }: BatchEntry): Promise<void> {
    this.deps.leases.release(delivery);
    this.deps.events.emitSafely('task:released', { id: delivery.id, queue: delivery.queue });
    try {
      await this.deps.broker.nack(delivery, { retryAt: Date.now() });
    } catch (error) {
      this.deps.log.error(
        { err: error, messageId: delivery.id },
        'could not return a buffered batch item; its lease will expire',
      );
    }
  }
}
