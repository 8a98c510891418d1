import { spawn } from 'node:child_process';

/** A fixture process that prints `ready`, waits for `go` on stdin, then prints its report. */
export interface GatedChild<T> {
  /** Settles once the child has set up (opened its file, connected). */
  ready: Promise<void>;
  /** The JSON report on its second line, once it exits with code 0. */
  done: Promise<T>;
  /** Lets it start; call it on every child at once, so they race. */
  go(): void;
}

/**
 * Starts `fixture` (a TypeScript file, through tsx) with `args`. Tests gate several such
 * children so that they all do their work at the same moment, as processes of a cluster would.
 */
export function startGatedChild<T>(fixture: string, args: string[], label: string): GatedChild<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const done = new Promise<T>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const report = out.split('\n')[1];
      if (code === 0 && report) resolve(JSON.parse(report) as T);
      else reject(new Error(`${label} exited with code ${code}: ${out}`));
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
    done.catch(reject);
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}
