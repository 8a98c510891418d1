import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/errors.ts';
import type { AttemptAbort } from '../task/attempt-abort.ts';
import type { Middleware } from './middleware.ts';

/** The limits `withTimeLimits` enforces, as resolved task options carry them. */
export interface TimeLimits {
  softTimeLimitMs: number | undefined;
  timeLimitMs: number | undefined;
}

/**
 * Runs `run` under the soft limit (aborts `abort` with SoftTimeLimitExceeded) and the hard
 * limit (rejects with TimeLimitExceeded without waiting for `run`).
 */
export async function withTimeLimits(
  limits: TimeLimits,
  abort: AttemptAbort,
  run: () => Promise<void>,
): Promise<void> {
  const { softTimeLimitMs, timeLimitMs } = limits;
  if (softTimeLimitMs === undefined && timeLimitMs === undefined) return run();
  const timers: NodeJS.Timeout[] = [];
  if (softTimeLimitMs !== undefined) {
    timers.push(
      setTimeout(() => abort.abort(new SoftTimeLimitExceeded(softTimeLimitMs)), softTimeLimitMs),
    );
  }
  try {
    if (timeLimitMs === undefined) return await run();
    const hardLimit = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(() => {
          const error = new TimeLimitExceeded(timeLimitMs);
          if (abort.reason === undefined) abort.abort(error);
          reject(error);
        }, timeLimitMs),
      );
    });
    await Promise.race([run(), hardLimit]);
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

/**
 * Enforces the soft limit (aborts `ctx.signal`, the handler may catch and clean up) and the
 * hard limit (the attempt fails with TimeLimitExceeded and its slot is freed). An async
 * handler that ignores its signal keeps running in the background: only the threads and
 * process pools can stop it.
 */
export const timeLimitLayer: Middleware = (execution, next) =>
  withTimeLimits(execution.task.options, execution.abort, next);
