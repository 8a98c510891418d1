import { type ChildProcess, spawn } from 'node:child_process';
import { CLI_FROM_SOURCES } from '../support/cli-entry.ts';
import { type WatchedLines, watchLines } from '../support/watch-lines.ts';

/** A `celeriac` CLI process with its output collected. */
export interface CliProcess extends WatchedLines {
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Spawns `celeriac <args>` with JSON logs and the given environment. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...args], {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'json', CELERIAC_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, ...watchLines(child, exited), exited };
}

/** Runs `celeriac <args>` to completion; returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  const cli = spawnCli(args, env);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/** Kills every process of `processes` still running (SIGKILL), empties the list, and waits. */
export async function killAll(processes: CliProcess[]): Promise<void> {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
}
