import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_FROM_SOURCES } from '../support/cli-entry.ts';

/** A `celeriac` CLI process with its output collected. */
export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first output line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** Spawns `celeriac <args>` with JSON logs and the given environment. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...args], {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'json', CELERIAC_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      for (const w of watchers.filter((x) => x.pattern.test(line))) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => lines.join('\n'),
    waitFor: (pattern) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`exited before ${pattern}:\n${lines.join('\n')}`)));
      });
    },
    exited,
  };
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
