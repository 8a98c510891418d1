import type { Logger } from 'pino';
import type { Envelope } from '../../envelope/envelope.ts';
import type { Outcome } from '../../middleware/middleware.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import { type Pipeline, runAttempt } from '../../task/run-attempt.ts';
import type { AttemptRunner } from '../attempt-runner.ts';

/** Runs attempts in this process, through the app's pipeline (the `async` pool). */
export class InlineRunner implements AttemptRunner {
  constructor(
    private readonly pipeline: Pipeline,
    private readonly log: Logger,
  ) {}

  /** Nothing to load: the tasks are this process's own. */
  async start(): Promise<void> {}

  /** Runs the attempt here. */
  run(task: RegisteredTask, envelope: Envelope, signal: AbortSignal): Promise<Outcome> {
    return runAttempt(this.pipeline, task, envelope, { eager: false, log: this.log, signal });
  }

  /** Nothing to stop. */
  async close(): Promise<void> {}
}
