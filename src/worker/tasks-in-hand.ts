import type { Envelope } from '../envelope/envelope.ts';
import { argsRepr } from '../events/args-repr.ts';

/** A task a worker holds: reserved (received, not started) or active (running). */
export interface TaskInHand {
  id: string;
  task: string;
  queue: string;
  retries: number;
  args: string;
  /** Epoch ms it was received. */
  receivedAt: number;
  /** Epoch ms it started; absent while only reserved. */
  startedAt?: number;
}

/** One held task; the caller keeps it to mark the start and to drop it. */
export interface HeldTask {
  readonly envelope: Envelope;
  readonly receivedAt: number;
  /** Epoch ms; 0 until it starts. */
  startedAt: number;
}

/**
 * What a worker holds now, for `inspect active` and `reserved`. Called directly on the task
 * path (a set of records, no string keys): it costs a worker a few hundred nanoseconds a task.
 */
export class TasksInHand {
  readonly #held = new Set<HeldTask>();

  /** `buffered` lists the messages waiting in batch buffers (reserved, not started). */
  constructor(private readonly buffered: () => Envelope[] = () => []) {}

  /** Records a received task. */
  receive(envelope: Envelope): HeldTask {
    const held: HeldTask = { envelope, receivedAt: Date.now(), startedAt: 0 };
    this.#held.add(held);
    return held;
  }

  /** Marks a held task running. */
  start(held: HeldTask): void {
    held.startedAt = Date.now();
  }

  /** Forgets a task that ended here or left (deferred, released, rejected). */
  drop(held: HeldTask): void {
    this.#held.delete(held);
  }

  /** Tasks running now, oldest first. */
  active(): TaskInHand[] {
    return [...this.#held].filter((h) => h.startedAt > 0).map(describe);
  }

  /** Tasks received and not started: waiting on a gate, or buffered for a batch. */
  reserved(): TaskInHand[] {
    const waiting = [...this.#held].filter((h) => h.startedAt === 0).map(describe);
    const buffered = this.buffered().map((envelope) =>
      describe({ envelope, receivedAt: 0, startedAt: 0 }),
    );
    return [...waiting, ...buffered];
  }
}

function describe({ envelope, receivedAt, startedAt }: HeldTask): TaskInHand {
  const item: TaskInHand = {
    id: envelope.id,
    task: envelope.task,
    queue: envelope.queue,
    retries: envelope.retries,
    args: argsRepr(envelope.args, envelope.kwargs),
    receivedAt,
  };
  if (startedAt > 0) item.startedAt = startedAt;
  return item;
}
