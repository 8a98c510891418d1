import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/errors.ts';
import type { Middleware } from './middleware.ts';

/**
 * Enforces the soft limit (aborts `ctx.signal`, the handler may catch and clean up) and the
 * hard limit (the attempt fails with TimeLimitExceeded and its slot is freed). An async
 * handler that ignores its signal keeps running in the background: only the threads and
 * process pools can stop it.
 */
export const timeLimitLayer: Middleware = async (execution, next) => {
  const { softTimeLimitMs, timeLimitMs } = execution.task.options;
  if (softTimeLimitMs === undefined && timeLimitMs === undefined) return next();
  const timers: NodeJS.Timeout[] = [];
  const abort = execution.abort;
  if (softTimeLimitMs !== undefined) {
    timers.push(
      setTimeout(() => abort.abort(new SoftTimeLimitExceeded(softTimeLimitMs)), softTimeLimitMs),
    );
  }
  try {
    if (timeLimitMs === undefined) return await next();
    const hardLimit = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(() => {
          const error = new TimeLimitExceeded(timeLimitMs);
          if (abort.reason === undefined) abort.abort(error);
          reject(error);
        }, timeLimitMs),
      );
    });
    await Promise.race([next(), hardLimit]);
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
};
