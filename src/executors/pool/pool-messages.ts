import type { Envelope } from '../../envelope/envelope.ts';
import type { Outcome } from '../../middleware/middleware.ts';

/** What a pool child needs to load its tasks. */
export interface ChildInit {
  /** Path or file URL of the module that exports the app (the worker's `-A`). */
  appModule: string;
  /** Report memory after each task (only a memory limit needs it: it reads /proc each time). */
  measureMemory: boolean;
}

/** Parent to child. */
export type ToChild =
  | { type: 'run'; id: number; task: string; envelope: Envelope }
  | { type: 'abort'; id: number }
  | { type: 'exit' };

/** An error as it crosses to the parent: enough to log, store and dead-letter it. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** An outcome as it crosses to the parent. */
export type WireOutcome =
  | { kind: 'success'; value: unknown }
  | { kind: 'retry'; delayMs: number; error: WireError }
  | { kind: 'failure'; error: WireError; reason: 'rejected' | 'exhausted' | 'not-retryable' };

/** Child to parent. */
export type FromChild =
  | { type: 'ready'; tasks: string[] }
  | { type: 'load-failed'; message: string }
  | {
      type: 'done';
      id: number;
      outcome: WireOutcome;
      /** The child's memory after the attempt (RSS for a process, heap for a thread), or 0 unasked. */
      memory: number;
      /** The attempt hit its hard limit inside the child: its handler may still be running. */
      tainted: boolean;
    };

/** An Error as data for postMessage. */
export function toWireError(error: Error): WireError {
  const wire: WireError = { name: error.name, message: error.message };
  if (error.stack) wire.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') wire.code = code;
  return wire;
}

/** An Error again, with the child's name, message, stack and code. */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  if (wire.code) (error as { code?: string }).code = wire.code;
  return error;
}

/** An outcome as data. */
export function toWireOutcome(outcome: Outcome): WireOutcome {
  if (outcome.kind === 'success') return outcome;
  return { ...outcome, error: toWireError(outcome.error) };
}

/** An outcome again. */
export function fromWireOutcome(wire: WireOutcome): Outcome {
  if (wire.kind === 'success') return wire;
  return { ...wire, error: fromWireError(wire.error) };
}
