import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI_FROM_SOURCES } from '../support/cli-entry.ts';

/** util-linux `script`: runs a command on a fresh pseudo-terminal and copies its output. */
const SCRIPT = '/usr/bin/script';

/**
 * Why pty tests cannot run here, or undefined when they can. Under CI=true a missing `script`
 * fails the run instead of skipping (checked where this module loads).
 */
export const ptyUnavailable: string | undefined = existsSync(SCRIPT)
  ? undefined
  : `${SCRIPT} (util-linux) is missing: no pseudo-terminal to run the CLI on`;
if (ptyUnavailable && process.env.CI === 'true') throw new Error(ptyUnavailable);

/** A `celeriac` process on a pseudo-terminal of `columns` x `rows`. */
export interface PtyProcess {
  child: ChildProcess;
  /** Everything written to the terminal so far, escape sequences included. */
  raw(): string;
  /** Resolves with the first complete screen (text between two redraws) `check` accepts. */
  waitForScreen(check: (screen: string) => boolean, what: string): Promise<string>;
  /** Types `keys` on the terminal. */
  type(keys: string): void;
  exited: Promise<number | null>;
}

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Spawns `celeriac <args>` on a pseudo-terminal, with JSON logs and the given environment. */
export function spawnInPty(
  args: string[],
  env: Record<string, string> = {},
  size = { columns: 120, rows: 40 },
): PtyProcess {
  const command = [process.execPath, ...CLI_FROM_SOURCES, ...args].map(quote).join(' ');
  const shell = `stty cols ${size.columns} rows ${size.rows}; exec ${command}`;
  const child = spawn(SCRIPT, ['-qfec', shell, '/dev/null'], {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'json', CELERIAC_LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const watchers = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const watcher of watchers) watcher();
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    raw: () => output,
    type: (keys) => child.stdin?.write(keys),
    exited,
    waitForScreen: (check, what) =>
      new Promise((resolve, reject) => {
        const look = () => {
          const screen = completeScreens(output).find(check);
          if (screen === undefined) return;
          watchers.delete(look);
          resolve(screen);
        };
        watchers.add(look);
        look();
        void exited.then(() =>
          reject(new Error(`exited before showing ${what}:\n${stripAnsi(output)}`)),
        );
      }),
  };
}

/** The screens drawn so far, newest first: each starts at cursor-home and ends at clear-below. */
function completeScreens(output: string): string[] {
  return output
    .split('\x1b[H')
    .slice(1)
    .filter((frame) => frame.includes('\x1b[J'))
    .map((frame) => stripAnsi(frame.slice(0, frame.indexOf('\x1b[J'))))
    .reverse();
}

/** `text` without ANSI escape sequences and carriage returns. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what it removes
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
