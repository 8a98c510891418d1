import type { Envelope } from '../envelope/envelope.ts';
import { argsRepr } from '../events/args-repr.ts';
import type { WorkerEvents } from '../events/worker-events.ts';

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

/** What a worker holds now, kept from its own events, for `inspect active` and `reserved`. */
export class TasksInHand {
  readonly #held = new Map<
    string,
    { envelope: Envelope; receivedAt: number; startedAt?: number }
  >();

  constructor(events: WorkerEvents) {
    events.on('task:received', ({ envelope }) => {
      this.#held.set(envelope.id, { envelope, receivedAt: Date.now() });
    });
    events.on('task:started', ({ id }) => {
      const held = this.#held.get(id);
      if (held) held.startedAt = Date.now();
    });
    const drop = ({ id }: { id: string }) => this.#held.delete(id);
    for (const event of [
      'task:succeeded',
      'task:failed',
      'task:retried',
      'task:expired',
      'task:revoked',
      'task:deferred',
      'task:released',
    ] as const)
      events.on(event, drop);
  }

  /** Tasks running now, oldest first. */
  active(): TaskInHand[] {
    return this.#list(true);
  }

  /** Tasks received and not started (waiting on a gate, or buffered for a batch). */
  reserved(): TaskInHand[] {
    return this.#list(false);
  }

  #list(started: boolean): TaskInHand[] {
    const out: TaskInHand[] = [];
    for (const { envelope, receivedAt, startedAt } of this.#held.values()) {
      if ((startedAt !== undefined) !== started) continue;
      const item: TaskInHand = {
        id: envelope.id,
        task: envelope.task,
        queue: envelope.queue,
        retries: envelope.retries,
        args: argsRepr(envelope.args, envelope.kwargs),
        receivedAt,
      };
      if (startedAt !== undefined) item.startedAt = startedAt;
      out.push(item);
    }
    return out;
  }
}
