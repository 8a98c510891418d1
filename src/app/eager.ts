import type { Logger } from 'pino';
import type { TaskResultRecord } from '../backends/backend.ts';
import type { Envelope } from '../envelope/envelope.ts';
import { toStoredError } from '../middleware/middleware.ts';
import { memoryResultSource, type ResultSource } from '../result/async-result.ts';
import type { RegisteredTask } from '../task/registry.ts';
import { type Pipeline, runAttempt } from '../task/run-attempt.ts';

/** What eager mode needs of the app. */
export interface EagerHost {
  pipeline(): Pipeline;
  readonly log: Logger;
}

/**
 * Runs a task now through the same middleware a worker uses, retries included. Retry delays
 * are not waited: a unit test should not sleep through a backoff.
 */
export async function runEagerly(
  host: EagerHost,
  task: RegisteredTask,
  first: Envelope,
): Promise<ResultSource> {
  let envelope = first;
  for (;;) {
    const outcome = await runAttempt(host.pipeline(), task, envelope, {
      eager: true,
      log: host.log,
    });
    const base = {
      id: envelope.id,
      task: task.name,
      retries: envelope.retries,
      updatedAt: Date.now(),
    };
    if (outcome.kind === 'retry') {
      envelope = { ...envelope, retries: envelope.retries + 1 };
      continue;
    }
    const record: TaskResultRecord =
      outcome.kind === 'success'
        ? { ...base, state: 'SUCCESS', value: outcome.value }
        : { ...base, state: 'FAILURE', error: toStoredError(outcome.error) };
    return memoryResultSource(record);
  }
}
