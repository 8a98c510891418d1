import type { Logger } from 'pino';
import type { Envelope } from '../../envelope/envelope.ts';
import { TaskRevoked } from '../../errors/errors.ts';
import type { Outcome } from '../../middleware/middleware.ts';
import { AttemptAbort } from '../../task/attempt-abort.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import { type Pipeline, runAttempt } from '../../task/run-attempt.ts';
import type { AttemptRunner } from '../attempt-runner.ts';

/** A running attempt, reachable to terminate it. */
interface RunningAttempt {
  abort: AttemptAbort;
  end(outcome: Outcome): void;
}

/** Runs attempts in this process, through the app's pipeline (the `async` pool). */
export class InlineRunner implements AttemptRunner {
  readonly #running = new Map<string, RunningAttempt>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly log: Logger,
  ) {}

  /** Nothing to load: the tasks are this process's own. */
  async start(): Promise<void> {}

  /** Runs the attempt here. */
  async run(task: RegisteredTask, envelope: Envelope, signal: AbortSignal): Promise<Outcome> {
    const abort = new AttemptAbort(signal);
    let end!: (outcome: Outcome) => void;
    const ended = new Promise<Outcome>((resolve) => {
      end = resolve;
    });
    this.#running.set(envelope.id, { abort, end });
    const attempt = runAttempt(this.pipeline, task, envelope, {
      eager: false,
      log: this.log,
      signal,
      abort,
    });
    try {
      return await Promise.race([attempt, ended]);
    } finally {
      this.#running.delete(envelope.id);
    }
  }

  /**
   * Aborts the attempt's signal with TaskRevoked and settles it now. An async handler that
   * ignores its signal runs on in the background: only the threads and process pools stop it.
   */
  terminate(id: string): boolean {
    const running = this.#running.get(id);
    if (!running) return false;
    const error = new TaskRevoked('and terminated while it ran');
    running.abort.abort(error);
    running.end({ kind: 'failure', error, reason: 'rejected' });
    return true;
  }

  /** Nothing to stop. */
  async close(): Promise<void> {}
}
