import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { e2eEnv, until } from '../e2e/e2e-env.ts';
import { type CliProcess, killAll, spawnCli } from '../e2e/worker-process.ts';
import { CLI_FROM_SOURCES } from '../support/cli-entry.ts';
import { type SmallTmpfs, smallTmpfsOrSkip } from '../support/small-tmpfs.ts';
import { watchLines } from '../support/watch-lines.ts';

const BEAT_TASKS = new URL('../e2e/fixtures/beat-tasks.ts', import.meta.url).pathname;
/** Generous: a command that cannot be stopped is the failure, and it would never exit. */
const EXIT_WAIT_MS = 45_000;

/** Closes the test's end of the command's stdout, and waits until the fd is really closed. */
async function closeReader(cli: CliProcess): Promise<void> {
  const stdout = cli.child.stdout;
  if (!stdout) throw new Error('the command has no stdout pipe');
  const closed = new Promise((resolve) => stdout.once('close', resolve));
  stdout.destroy();
  await closed;
}

/** The exit code, or a rejection naming the output if the command outlives the wait. */
async function exitCode(cli: CliProcess): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running:\n${cli.output()}`)), EXIT_WAIT_MS);
  });
  try {
    return await Promise.race([cli.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port free a moment ago, for a command whose stdout cannot say which one it took. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      );
    });
  });
}

/** `celeriac <args>` with its stdout appended to `logFile`, its stderr watched. */
function spawnLoggingTo(logFile: string, args: string[], env: Record<string, string>): CliProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...args], {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', log, 'pipe'],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, ...watchLines(child, exited) };
}

describe('long-running commands whose stdout is gone stop on SIGTERM with code 0', () => {
  let env: ReturnType<typeof e2eEnv>;
  let tmpfs: SmallTmpfs | undefined;
  const running: CliProcess[] = [];
  afterEach(async () => {
    await killAll(running);
    await env?.cleanup();
    await tmpfs?.unmount();
    tmpfs = undefined;
  });

  const start = (args: string[], ready: RegExp) => {
    const cli = spawnCli(args, env.env);
    running.push(cli);
    return cli.waitFor(ready).then(() => cli);
  };

  it('celeriac beat: its reader went away', async () => {
    env = e2eEnv();
    const beat = await start(['beat', '-A', BEAT_TASKS, '-l', 'info'], /beat: leading/);
    await closeReader(beat);
    beat.child.kill('SIGTERM');
    expect(await exitCode(beat)).toBe(0);
  });

  it('celeriac exporter: its log file is on a full disk', async (ctx) => {
    tmpfs = await smallTmpfsOrSkip(64 * 1024, (reason) => ctx.skip(reason));
    if (!tmpfs) return;
    env = e2eEnv();
    await tmpfs.fill();
    const port = await freePort();
    const args = ['exporter', '--port', String(port), '--host', '127.0.0.1', '-l', 'info'];
    const exporter = spawnLoggingTo(join(tmpfs.dir, 'exporter.log'), args, env.env);
    running.push(exporter);
    let gone = false;
    void exporter.exited.then(() => {
      gone = true;
    });
    const healthy = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
    await until(async () => gone || (await healthy()), 'the exporter to serve', 30_000);
    expect(gone).toBe(false);
    exporter.child.kill('SIGTERM');
    expect(await exitCode(exporter)).toBe(0);
  });
});
