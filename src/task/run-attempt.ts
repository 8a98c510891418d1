import type { Envelope } from '../envelope/envelope.ts';
import { TaskRevoked } from '../errors/errors.ts';
import type { Execution, Outcome } from '../middleware/middleware.ts';
import { AttemptAbort } from './attempt-abort.ts';
import { type ContextOptions, createTaskContext } from './attempt-context.ts';
import type { RegisteredTask } from './registry.ts';

/** The composed middleware chain of an app. */
export type Pipeline = (execution: Execution) => Promise<void>;

/** How one attempt is run: its context's options, and what else follows it. */
export interface AttemptOptions extends ContextOptions {
  /** Aborts the attempt's signal too (worker shutdown). */
  signal?: AbortSignal;
  /** Where the attempt is kept while it runs, so it can be found and terminated. */
  running?: Set<Execution>;
}

/** Runs one attempt of `task` through the pipeline and returns how it ended. */
export async function runAttempt(
  pipeline: Pipeline,
  task: RegisteredTask,
  envelope: Envelope,
  options: AttemptOptions,
): Promise<Outcome> {
  const abort = new AttemptAbort(options.signal);
  const execution: Execution = {
    task,
    envelope,
    abort,
    ctx: createTaskContext(task, envelope, abort, options),
  };
  const running = options.running;
  running?.add(execution);
  try {
    await pipeline(execution);
  } finally {
    abort.dispose();
    running?.delete(execution);
  }
  // Terminated on request: however the handler ended, the attempt counts as revoked.
  if (abort.reason instanceof TaskRevoked)
    return { kind: 'failure', error: abort.reason, reason: 'rejected' };
  return (
    execution.outcome ?? {
      kind: 'failure',
      reason: 'not-retryable',
      error: new Error('a middleware ended the attempt without calling next()'),
    }
  );
}

/** The innermost layer: calls the handler with the context and the message's arguments. */
export async function invokeHandler(execution: Execution): Promise<void> {
  const { task, envelope, ctx } = execution;
  const value = await task.handler(ctx, ...(envelope.args as never[]));
  execution.outcome = { kind: 'success', value };
}
