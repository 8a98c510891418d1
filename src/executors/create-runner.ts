import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ResultBackend } from '../backends/backend.ts';
import { type ByteSize, parseByteSize } from '../config/byte-size.ts';
import type { Pipeline } from '../task/run-attempt.ts';
import type { AttemptRunner } from './attempt-runner.ts';
import { InlineRunner } from './inline/inline-runner.ts';
import { ChildPool } from './pool/child-pool.ts';
import { POOL_NAMES, type PoolName } from './pool-name.ts';

/** The settings that pick and shape the pool. */
export interface PoolSettings {
  pool?: PoolName;
  appModule?: string | URL;
  maxTasksPerChild?: number;
  maxMemoryPerChild?: ByteSize;
}

/** What a runner needs of the app: its execution chain, and where results go. */
export interface RunnerHost {
  /** The full execution chain: results, retries, middleware, time limits, handler. */
  pipeline(): Pipeline;
  readonly backend: ResultBackend | undefined;
  /** Result TTL in ms (0: forever). */
  resultTtlMs(): number;
}

/** The runner for these settings, `size` children for the threads and process pools. */
export function createRunner(
  app: RunnerHost,
  size: number,
  settings: PoolSettings,
  log: Logger,
): AttemptRunner {
  const pool = settings.pool ?? 'async';
  if (!POOL_NAMES.includes(pool))
    throw new RangeError(`unknown pool "${pool}": expected ${POOL_NAMES.join(', ')}`);
  if (pool === 'async') {
    for (const key of ['maxTasksPerChild', 'maxMemoryPerChild'] as const) {
      if (settings[key] !== undefined)
        throw new RangeError(`${key} applies to the threads and process pools, not to async`);
    }
    return new InlineRunner(app.pipeline(), log);
  }
  if (settings.appModule === undefined)
    throw new RangeError(
      `the ${pool} pool needs the module that exports the app, as appModule (the CLI passes its -A)`,
    );
  const max = settings.maxTasksPerChild;
  if (max !== undefined && (!Number.isInteger(max) || max < 1))
    throw new RangeError(`maxTasksPerChild must be a positive integer, got ${max}`);
  return new ChildPool({
    kind: pool,
    size,
    appModule: modulePath(settings.appModule),
    maxTasksPerChild: max,
    maxMemoryPerChild:
      settings.maxMemoryPerChild === undefined
        ? undefined
        : parseByteSize(settings.maxMemoryPerChild),
    log,
    backend: app.backend,
    resultTtlMs: app.resultTtlMs(),
  });
}

/** `options` without its undefined values, so they do not hide the config's. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function modulePath(module: string | URL): string {
  if (module instanceof URL) return fileURLToPath(module);
  return module.startsWith('file:') ? fileURLToPath(module) : module;
}
