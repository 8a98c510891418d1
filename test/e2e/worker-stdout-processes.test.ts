import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stream } from 'node:stream';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_FROM_SOURCES } from '../support/cli-entry.ts';
import { type SmallTmpfs, smallTmpfsOrSkip } from '../support/small-tmpfs.ts';
import { type WatchedLines, watchLines } from '../support/watch-lines.ts';
import { e2eEnv, until } from './e2e-env.ts';

const TASKS = new URL('./fixtures/stdout-tasks.ts', import.meta.url).pathname;
const ONLINE = /"msg":"worker online"/;
/** Generous: a worker that cannot be stopped is the failure, and it would never exit. */
const EXIT_WAIT_MS = 45_000;

interface Worker extends WatchedLines {
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** `celeriac worker` on the stdout given (a pipe by default), logging at info. */
function startWorker(
  env: Record<string, string>,
  stdout: 'pipe' | number | Stream = 'pipe',
  format = 'json',
): Worker {
  const args = ['worker', '-A', TASKS, '-c', '1', '-l', 'info', '--shutdown-timeout', '60s'];
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...args], {
    env: { ...process.env, CELERIAC_LOG_FORMAT: format, ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, ...watchLines(child, exited) };
}

/** Resolves with the exit code, or rejects if the worker is still running after the wait. */
async function exitCode(worker: Worker): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running:\n${worker.output()}`)), EXIT_WAIT_MS);
  });
  try {
    return await Promise.race([worker.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes the test's end of the worker's stdout, and waits until the fd is really closed. */
async function closeReader(worker: Worker): Promise<void> {
  const stdout = worker.child.stdout;
  if (!stdout) throw new Error('the worker has no stdout pipe');
  const closed = new Promise((resolve) => stdout.once('close', resolve));
  stdout.destroy();
  await closed;
}

describe('a worker whose stdout is gone stops gracefully on SIGTERM', () => {
  let env: ReturnType<typeof e2eEnv>;
  const children: ChildProcess[] = [];
  let tmpfs: SmallTmpfs | undefined;

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await env?.cleanup();
    await tmpfs?.unmount();
    tmpfs = undefined;
  });

  const setUp = () => {
    env = e2eEnv();
    const gate = join(env.dir, 'gate');
    return { gate, workerEnv: { ...env.env, STDOUT_GATE: gate } };
  };
  const track = (worker: Worker) => {
    children.push(worker.child);
    return worker;
  };
  const rowsOf = (table: 'finished' | 'chatter') => {
    // Created here too: the worker creates them when it loads the tasks, maybe later.
    const db = new Sqlite(env.env.E2E_RUNS_DB);
    try {
      db.pragma('busy_timeout = 10000');
      db.exec(`CREATE TABLE IF NOT EXISTS ${table} (task_id TEXT NOT NULL, pid INTEGER)`);
      return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const finishedCount = () => rowsOf('finished');
  /** Waits until the task has written to its dead stdout a few times (or the worker died of it). */
  const chatterIntoTheVoid = async (worker: Worker) => {
    const before = rowsOf('chatter');
    let gone = false;
    void worker.exited.then(() => {
      gone = true;
    });
    await until(
      () => gone || rowsOf('chatter') >= before + 3,
      'writes to the closed stdout',
      30_000,
    );
  };
  const queueStats = () => env.app.broker.stats('e2e');

  it('reader destroyed while the task writes to stdout: it finishes once, is acked, exit code 0', async () => {
    const { gate, workerEnv } = setUp();
    await env.app.sendMany('out.gated', [[true]], {});
    const worker = track(startWorker(workerEnv));
    await worker.waitFor(ONLINE);
    await until(() => env.counts().total === 1, 'the task to start');
    await closeReader(worker);
    await chatterIntoTheVoid(worker);
    worker.child.kill('SIGTERM');
    writeFileSync(gate, '');
    expect(await exitCode(worker)).toBe(0);
    expect(env.counts()).toEqual({ total: 1, distinct: 1 });
    expect(finishedCount()).toBe(1);
    expect(await queueStats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('reader exits after the first line (| head -1): the running task finishes once, exit code 0', async () => {
    const { gate, workerEnv } = setUp();
    const head = spawn('head', ['-n', '1'], { stdio: ['pipe', 'pipe', 'ignore'] });
    children.push(head);
    const headExited = new Promise((resolve) => head.once('exit', resolve));
    const worker = track(startWorker(workerEnv, head.stdin));
    head.stdin.destroy();
    await headExited;
    await env.app.sendMany('out.gated', [[true]], {});
    await until(() => env.counts().total === 1, 'the task to start');
    await chatterIntoTheVoid(worker);
    worker.child.kill('SIGTERM');
    writeFileSync(gate, '');
    expect(await exitCode(worker)).toBe(0);
    expect(env.counts()).toEqual({ total: 1, distinct: 1 });
    expect(finishedCount()).toBe(1);
    expect(await queueStats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('an idle worker whose reader exited (| head -1) stops on the first SIGTERM', async () => {
    const { workerEnv } = setUp();
    const head = spawn('head', ['-n', '1'], { stdio: ['pipe', 'pipe', 'ignore'] });
    children.push(head);
    const firstLine = new Promise<string>((resolve) =>
      head.stdout.once('data', (data) => resolve(String(data))),
    );
    const worker = track(startWorker(workerEnv, head.stdin));
    head.stdin.destroy();
    expect(await firstLine).toMatch(ONLINE);
    worker.child.kill('SIGTERM');
    expect(await exitCode(worker)).toBe(0);
  });

  it('two SIGTERMs with the reader gone: the running task goes back to the queue and runs later', async () => {
    const { gate, workerEnv } = setUp();
    await env.app.sendMany('out.gated', [[true]], {});
    const worker = track(startWorker(workerEnv));
    await worker.waitFor(ONLINE);
    await until(() => env.counts().total === 1, 'the task to start');
    await closeReader(worker);
    await chatterIntoTheVoid(worker);
    worker.child.kill('SIGTERM');
    // Signals sent back to back can merge into one: repeat until it exits (the third and later
    // change nothing). The task never ends by itself, so only the second one can stop it.
    const again = setInterval(() => worker.child.kill('SIGTERM'), 500);
    const code = await exitCode(worker).finally(() => clearInterval(again));
    expect(code).toBe(0);
    expect(finishedCount()).toBe(0);
    expect(await queueStats()).toMatchObject({ ready: 1, reserved: 0, dead: 0 });
    writeFileSync(gate, '');
    const next = track(startWorker(workerEnv));
    await until(() => finishedCount() === 1, 'the task to run again');
    next.child.kill('SIGTERM');
    expect(await exitCode(next)).toBe(0);
    expect(env.counts()).toEqual({ total: 2, distinct: 1 });
    expect(await queueStats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('a reader that stopped reading (a full pipe): SIGTERM still ends the worker with code 0', async () => {
    const { workerEnv } = setUp();
    // A live reader that never reads, as a stalled log shipper: the pipe fills and stays full.
    const stalled = spawn('sleep', ['infinity'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(stalled);
    await env.app.sendMany('out.noisy', [[3000]], {});
    const worker = track(startWorker(workerEnv, stalled.stdin));
    stalled.stdin.destroy();
    await until(() => finishedCount() === 1, 'the noisy task to finish');
    await until(async () => (await queueStats()).reserved === 0, 'its ack');
    worker.child.kill('SIGTERM');
    expect(await exitCode(worker)).toBe(0);
    expect(env.counts()).toEqual({ total: 1, distinct: 1 });
  });

  it.for(['json', 'pretty'])(
    'stdout to a file on a full disk (%s): every task runs, and SIGTERM stops it with code 0',
    async (format, ctx) => {
      tmpfs = await smallTmpfsOrSkip(64 * 1024, (reason) => ctx.skip(reason));
      if (!tmpfs) return;
      const { workerEnv } = setUp();
      const log = openSync(join(tmpfs.dir, 'worker.log'), 'a');
      await tmpfs.fill();
      const worker = track(startWorker(workerEnv, log, format));
      closeSync(log);
      const tasks = 20;
      await env.app.sendMany(
        'out.chatty',
        Array.from({ length: tasks }, () => []),
        {},
      );
      await until(() => finishedCount() === tasks, 'every task to finish');
      await until(async () => (await queueStats()).reserved === 0, 'their acks');
      worker.child.kill('SIGTERM');
      expect(await exitCode(worker)).toBe(0);
      expect(env.counts()).toEqual({ total: tasks, distinct: tasks });
      expect(await queueStats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    },
  );
});
