import type { StoredError } from '../backends/backend.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { AttemptAbort } from '../task/attempt-abort.ts';
import type { TaskContext } from '../task/context.ts';
import type { RegisteredTask } from '../task/registry.ts';

/** How one attempt ended. */
export type Outcome =
  | {
      /** The handler returned. */
      kind: 'success';
      /** What it returned. */
      value: unknown;
    }
  | {
      /** The attempt failed and another is scheduled. */
      kind: 'retry';
      /** Ms until the next attempt. */
      delayMs: number;
      /** What the attempt threw. */
      error: Error;
    }
  | {
      /** The task failed for good. */
      kind: 'failure';
      /** What the attempt threw. */
      error: Error;
      /** Why no retry: a Reject, retries used up, or an error `autoretryFor` does not match. */
      reason: 'rejected' | 'exhausted' | 'not-retryable';
    };

/** One attempt of one task as it passes through the middleware. */
export interface Execution {
  /** The registered task: its name, handler and resolved options. */
  readonly task: RegisteredTask;
  /** The message being run. */
  readonly envelope: Envelope;
  /** The context its handler receives. */
  readonly ctx: TaskContext;
  /** Aborts `ctx.signal`; middleware that enforces a limit calls it with the reason. */
  readonly abort: AttemptAbort;
  /** Set by the innermost layer on success, or by the retry layer on an error. */
  outcome?: Outcome;
}

/** An onion layer: do something, `await next()`, do something after. */
export type Middleware = (execution: Execution, next: () => Promise<void>) => Promise<void>;

/** Runs `layers` around `core`, outermost first. */
export function compose(layers: Middleware[], core: (execution: Execution) => Promise<void>) {
  return (execution: Execution): Promise<void> => {
    const dispatch = (index: number): Promise<void> => {
      const layer = layers[index];
      if (!layer) return core(execution);
      let called = false;
      return layer(execution, () => {
        if (called) return Promise.reject(new Error('middleware called next() twice'));
        called = true;
        return dispatch(index + 1);
      });
    };
    return dispatch(0);
  };
}

/** A failure as data: what the result backend and the dead-letter queue store. */
export function toStoredError(error: Error): StoredError {
  const stored: StoredError = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') stored.code = code;
  if (error.stack) stored.stack = error.stack;
  return stored;
}
