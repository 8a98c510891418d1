import type { Execution, Outcome } from '../middleware/middleware.ts';
import { outcomeOfError } from '../middleware/retry-layer.ts';

/**
 * Runs the rest of the pipeline and tells `seen` how the attempt ended. A middleware added
 * with `app.use` sits inside the retry layer, so a failed handler reaches it as a thrown error:
 * this asks the task's retry policy, as the retry layer will next, whether that is a retry or a
 * failure. What `next` threw is thrown on unchanged, and an error of `seen` is logged, not
 * thrown: watching must not change how a task ends. `seen` is not told when no layer set an
 * outcome (a middleware that did not call next).
 */
export async function observeAttempt(
  execution: Execution,
  next: () => Promise<void>,
  seen: (outcome: Outcome) => void,
): Promise<void> {
  try {
    await next();
  } catch (thrown) {
    tell(
      execution,
      seen,
      outcomeOfError(
        execution.task.options.retry,
        thrown,
        execution.envelope.retries,
        execution.task.name,
      ),
    );
    throw thrown;
  }
  if (execution.outcome) tell(execution, seen, execution.outcome);
}

function tell(execution: Execution, seen: (outcome: Outcome) => void, outcome: Outcome): void {
  try {
    seen(outcome);
  } catch (error) {
    execution.ctx.log.warn({ err: error }, 'an integration failed to record the attempt; ignored');
  }
}
