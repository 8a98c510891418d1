/**
 * Error reporting with Sentry. Nothing of Sentry is imported here: the app passes its own SDK
 * (`import * as Sentry from '@sentry/node'`), already initialised. See docs/integrations.md.
 *
 * @module celeriac/sentry
 */

import { DEFAULT_MAX_REPR_LENGTH, shortRepr } from '../../events/args-repr.ts';
import type { Execution, Middleware, Outcome } from '../../middleware/middleware.ts';
import { observeAttempt } from '../attempt-outcome.ts';

/** The part of a Sentry scope the integration sets. */
export interface SentryScope {
  /** Sets a tag of the event: the task name, id, queue and retries. */
  setTag(key: string, value: string): unknown;
  /** Sets a named context of the event: the task's arguments and place. */
  setContext(name: string, context: Record<string, unknown> | null): unknown;
  /** Groups events into issues: one per task and error type. */
  setFingerprint(fingerprint: string[]): unknown;
}

/** The part of the Sentry SDK the integration calls (`@sentry/node`, or any SDK alike). */
export interface SentryClient {
  /** Runs `callback` with a scope of its own, so the task's tags stay off other events. */
  withScope(callback: (scope: SentryScope) => void): unknown;
  /** Reports the failure, marked unhandled with the `celeriac` mechanism. */
  captureException(
    exception: unknown,
    hint?: { mechanism?: { type: string; handled: boolean } },
  ): unknown;
}

/** What is reported. */
export interface SentryOptions {
  /**
   * Also report attempts that will be retried. Default false: only a task that failed for
   * good is reported, once, as Celery's Sentry integration does.
   */
  captureRetries?: boolean;
  /** The longest text of the task's arguments, in characters; default 1024. */
  maxArgsLength?: number;
}

/** The tag names of an event, each prefixed so they group apart from the app's own. */
export const SENTRY_TAGS = {
  /** The task's registered name. */
  task: 'celeriac.task',
  /** The task id. */
  taskId: 'celeriac.task_id',
  /** The queue the task came from. */
  queue: 'celeriac.queue',
  /** Retries made before the reported attempt. */
  retries: 'celeriac.retries',
} as const;

/**
 * An execution middleware that reports task failures to Sentry: `app.use(sentry(Sentry))`,
 * with the task name, id, queue and retries as tags, the arguments (shortened) as context, and
 * one issue per task and error type. See docs/integrations.md.
 */
export function sentry(client: SentryClient, options: SentryOptions = {}): Middleware {
  checkClient(client);
  const captureRetries = options.captureRetries ?? false;
  const maxArgsLength = options.maxArgsLength ?? DEFAULT_MAX_REPR_LENGTH;
  if (!Number.isInteger(maxArgsLength) || maxArgsLength < 16)
    throw new RangeError(
      `sentry(): maxArgsLength must be an integer of at least 16, got ${maxArgsLength}`,
    );
  return (execution, next) =>
    observeAttempt(execution, next, (outcome) => {
      if (outcome.kind === 'failure' || (outcome.kind === 'retry' && captureRetries))
        report(client, execution, outcome, maxArgsLength);
    });
}

function report(
  client: SentryClient,
  execution: Execution,
  outcome: Exclude<Outcome, { kind: 'success' }>,
  maxArgsLength: number,
): void {
  const { envelope } = execution;
  const { error } = outcome;
  client.withScope((scope) => {
    scope.setTag(SENTRY_TAGS.task, envelope.task);
    scope.setTag(SENTRY_TAGS.taskId, envelope.id);
    scope.setTag(SENTRY_TAGS.queue, envelope.queue);
    scope.setTag(SENTRY_TAGS.retries, String(envelope.retries));
    scope.setContext('celeriac', taskContext(execution, outcome, maxArgsLength));
    scope.setFingerprint(['celeriac', envelope.task, error.name]);
    client.captureException(error, { mechanism: { type: 'celeriac', handled: false } });
  });
}

/** What Sentry shows of the task beside the tags: its arguments, shortened, and its place. */
function taskContext(
  execution: Execution,
  outcome: Exclude<Outcome, { kind: 'success' }>,
  maxArgsLength: number,
): Record<string, unknown> {
  const { envelope, task } = execution;
  const context: Record<string, unknown> = {
    task: envelope.task,
    id: envelope.id,
    args: shortRepr(envelope.args, maxArgsLength),
    queue: envelope.queue,
    retries: envelope.retries,
    maxRetries: task.options.retry.max,
    outcome: outcome.kind === 'retry' ? 'retry' : `failure (${outcome.reason})`,
    rootId: envelope.rootId,
    parentId: envelope.parentId ?? null,
  };
  if (envelope.kwargs !== undefined) context.kwargs = shortRepr(envelope.kwargs, maxArgsLength);
  return context;
}

function checkClient(client: unknown): void {
  const sdk = client as Partial<Record<keyof SentryClient, unknown>> | null | undefined;
  if (typeof sdk?.withScope === 'function' && typeof sdk.captureException === 'function') return;
  const got =
    client === null
      ? 'null'
      : typeof client === 'object'
        ? 'an object without them'
        : typeof client;
  throw new TypeError(
    `sentry(Sentry): expected the Sentry SDK (import * as Sentry from '@sentry/node'), with withScope and captureException functions; got ${got}`,
  );
}
