import type { ResultBackend } from '../backends/backend.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { ResultSource } from '../result/async-result.ts';
import type { TaskRegistry } from '../task/registry.ts';

/** What sending a workflow needs of the app. */
export interface CanvasHost {
  /** The registered tasks, whose options a step is sent with. */
  readonly registry: TaskRegistry;
  /** Where results and chord joins are kept, if anywhere. */
  readonly backend: ResultBackend | undefined;
  /** The queue a task goes to when its call names none. */
  queueFor(taskName: string, taskQueue: string | undefined): string;
  /** Stores the messages in the broker in one call (all or none); `parent` is the task that sends them. */
  dispatch(envelopes: Envelope[], parent?: Envelope): Promise<void>;
  /** Where results are read, or undefined without a result backend. */
  results(): ResultSource | undefined;
  /** The result TTL in ms, which chord state follows (0: forever). */
  resultTtlMs(): number;
}
