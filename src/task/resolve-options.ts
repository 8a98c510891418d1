import { parseDuration } from '../time/duration.ts';
import type { ResolvedTaskOptions, RetryPolicy, TaskOptions } from './options.ts';

/** Retries that apply when neither the task nor the app says otherwise. */
export const DEFAULT_RETRY: RetryPolicy = {
  max: 3,
  backoff: 'exponential',
  base: '1s',
  maxDelay: '10m',
  jitter: true,
  autoretryFor: [Error],
};

/** Merges a task's options over the app's defaults over the built-in ones. */
export function resolveTaskOptions(
  task: TaskOptions,
  defaults: TaskOptions,
  appIgnoreResult: boolean,
): ResolvedTaskOptions {
  const soft = task.softTimeLimit ?? defaults.softTimeLimit;
  const hard = task.timeLimit ?? defaults.timeLimit;
  const expires = task.expires ?? defaults.expires;
  return {
    queue: task.queue ?? defaults.queue,
    priority: task.priority ?? defaults.priority,
    retry: { ...DEFAULT_RETRY, ...defaults.retry, ...task.retry },
    softTimeLimitMs: soft === undefined ? undefined : parseDuration(soft),
    timeLimitMs: hard === undefined ? undefined : parseDuration(hard),
    expiresMs: expires === undefined ? undefined : parseDuration(expires),
    ignoreResult: task.ignoreResult ?? defaults.ignoreResult ?? appIgnoreResult,
    acksLate: task.acksLate ?? defaults.acksLate ?? true,
    trackStarted: task.trackStarted ?? defaults.trackStarted ?? false,
    deadLetter: task.deadLetter ?? defaults.deadLetter ?? true,
    rateLimit: (task.rateLimit ?? defaults.rateLimit) as ResolvedTaskOptions['rateLimit'],
    lock: task.lock as ResolvedTaskOptions['lock'],
    unique: task.unique as ResolvedTaskOptions['unique'],
    concurrency: task.concurrency as ResolvedTaskOptions['concurrency'],
  };
}
