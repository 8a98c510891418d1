import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bullConnection } from '../bullmq/connection.ts';
import { plainNodeEnv } from '../child/spawn.ts';
import type { Measure } from './context.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const CELERIAC_BIN = join(repo, 'dist', 'cli', 'bin.js');
const CELERIAC_TASKS = fileURLToPath(new URL('../celeriac/cold-start-tasks.mjs', import.meta.url));
const BULL_WORKER = fileURLToPath(new URL('../bullmq/cold-start-worker.mjs', import.meta.url));
/** A start that takes this long has hung: fail rather than wait. */
const ONLINE_TIMEOUT_MS = 30_000;
/** A worker still running this long after SIGTERM has hung on its way out. */
const EXIT_TIMEOUT_MS = 30_000;

/** Children not yet exited, killed if the runner exits first (a failure, Ctrl-C). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One worker start: the command, its folder, and what its online line must say. */
interface Start {
  label: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Checks the online line (e.g. the broker it names); returns a problem or undefined. */
  check(line: Record<string, unknown>): string | undefined;
}

/**
 * `cold_start_sqlite_ms`, `cold_start_redis_ms`: wall ms from spawning a worker process to its
 * "worker online" line, with a plain-JavaScript task module in a temporary project, as a user
 * runs it. Celeriac runs its built CLI on a fresh SQLite file and then on Redis; BullMQ starts
 * one Worker on Redis, whose time stands beside both Celeriac figures.
 */
export const measureColdStart: Measure = async (system, ctx, prefix) => {
  if (system.name === 'bullmq') {
    const ms = await inProject({ bullmq: join(repo, 'node_modules', 'bullmq') }, (dir) => {
      copyFileSync(BULL_WORKER, join(dir, 'worker.mjs'));
      const config = { queue: ctx.queue, prefix, connection: bullConnection(ctx.redisUrl) };
      return timeStart({
        label: 'bullmq cold start',
        args: ['worker.mjs'],
        cwd: dir,
        env: { BENCH_COLD_START: JSON.stringify(config) },
        check: () => undefined,
      });
    });
    return { cold_start_sqlite_ms: ms, cold_start_redis_ms: ms };
  }
  const celeriac = (broker: (dir: string) => string, scheme: string) =>
    inProject({ celeriac: repo }, (dir) => {
      copyFileSync(CELERIAC_TASKS, join(dir, 'tasks.mjs'));
      return timeStart({
        label: `celeriac ${scheme} cold start`,
        args: [CELERIAC_BIN, 'worker', '-A', './tasks.mjs'],
        cwd: dir,
        env: { BENCH_BROKER_URL: broker(dir), CELERIAC_LOG_FORMAT: 'json' },
        check: (line) =>
          String(line.broker).startsWith(`${scheme}://`)
            ? undefined
            : `online on ${line.broker}, not ${scheme}`,
      });
    });
  // A fresh SQLite file in each run's own folder (an absolute path: sqlite:// + /tmp/…).
  const sqlite = await celeriac((dir) => `sqlite://${join(dir, 'broker.db')}`, 'sqlite');
  const redis = await celeriac(
    () => `${ctx.redisUrl}?prefix=${encodeURIComponent(prefix)}`,
    'redis',
  );
  return { cold_start_sqlite_ms: sqlite, cold_start_redis_ms: redis };
};

/**
 * Runs `body` in a fresh temporary project whose node_modules holds `links` (name → target) as
 * symlinks, and deletes the project afterwards. Node resolves a symlinked package to its real
 * path, so its own dependencies come from this repository's node_modules.
 */
async function inProject<T>(
  links: Record<string, string>,
  body: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cbench-cold-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    for (const [name, target] of Object.entries(links)) {
      symlinkSync(target, join(dir, 'node_modules', name), 'dir');
    }
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Spawns plain `node` with `start.args` and resolves with the ms until its stdout shows a JSON
 * line with `"msg":"worker online"`, after it has stopped on SIGTERM and exited with code 0.
 */
async function timeStart(start: Start): Promise<number> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, start.args, {
    cwd: start.cwd,
    env: plainNodeEnv(start.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const failure = (what: string) =>
    new Error(`${start.label}: ${what}${stderr ? `\n${stderr.trimEnd()}` : ''}`);
  try {
    const elapsed = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(failure(`no online line after ${ONLINE_TIMEOUT_MS} ms`)),
        ONLINE_TIMEOUT_MS,
      );
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (text) => {
        const at = performance.now();
        const line = parseLine(text);
        if (line?.msg !== 'worker online') return;
        clearTimeout(timer);
        const problem = start.check(line);
        if (problem) reject(failure(problem));
        else resolve(at - spawnedAt);
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(failure(error.message));
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(failure(`exited with ${signal ?? `code ${code}`} before its online line`));
      });
    });
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    const { code, signal } = await exited;
    clearTimeout(timer);
    if (code !== 0) throw failure(`exited with ${signal ?? `code ${code}`} after SIGTERM`);
    return elapsed;
  } finally {
    // A failed start must not outlive its measurement.
    if (live.has(child)) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function parseLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
