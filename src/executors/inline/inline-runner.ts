import type { Logger } from 'pino';
import type { Envelope } from '../../envelope/envelope.ts';
import { TaskRevoked } from '../../errors/errors.ts';
import type { Execution, Outcome } from '../../middleware/middleware.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import { type Pipeline, runAttempt } from '../../task/run-attempt.ts';
import type { AttemptRunner } from '../attempt-runner.ts';

/** Runs attempts in this process, through the app's pipeline (the `async` pool). */
export class InlineRunner implements AttemptRunner {
  /** The running attempts (a set of objects: no per-task string hashing on the hot path). */
  readonly #running = new Set<Execution>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly log: Logger,
  ) {}

  /** Nothing to load: the tasks are this process's own. */
  async start(): Promise<void> {}

  /** Runs the attempt here. */
  run(task: RegisteredTask, envelope: Envelope, signal: AbortSignal): Promise<Outcome> {
    const options = { eager: false, log: this.log, signal, running: this.#running };
    return runAttempt(this.pipeline, task, envelope, options);
  }

  /**
   * Aborts the attempt's signal with TaskRevoked; when its handler ends, however it ends, the
   * attempt counts as revoked. JavaScript cannot stop an async function from outside: a handler
   * that ignores its signal runs to its end (the threads and process pools kill theirs).
   */
  terminate(id: string): boolean {
    for (const execution of this.#running) {
      if (execution.envelope.id !== id) continue;
      execution.abort.abort(new TaskRevoked('and terminated while it ran'));
      return true;
    }
    return false;
  }

  /** Nothing to stop. */
  async close(): Promise<void> {}
}
