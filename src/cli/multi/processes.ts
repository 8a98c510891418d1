import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from '../load-app.ts';
import type { MultiNode } from './node-args.ts';
import { isAlive } from './pidfile.ts';

const POLL_MS = 100;

/** Starts `celeriac worker` for a node as a detached process logging to its log file; its pid. */
export function spawnWorker(node: MultiNode): number {
  mkdirSync(dirname(node.logfile), { recursive: true });
  const log = openSync(node.logfile, 'a');
  try {
    // Detached in a session of its own, so the worker outlives multi and its terminal.
    // The same program this one runs as (its Node flags too), built or from the sources.
    const cli = [...process.execArgv, process.argv[1] as string];
    const child = spawn(process.execPath, [...cli, 'worker', ...node.workerArgs], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    // A failed spawn is reported below by the missing pid; the event must not crash multi.
    child.once('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new CliError(`could not start ${node.fullName}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Sends `signal` to a pid; false when the process was already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Waits until each pid has exited, calling `onGone` for each as it goes; returns the pids still
 * alive after `timeoutMs`.
 */
export async function waitGone(
  pids: number[],
  timeoutMs: number,
  onGone: (pid: number) => void,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids;
  for (;;) {
    const gone = alive.filter((pid) => !isAlive(pid));
    for (const pid of gone) onGone(pid);
    alive = alive.filter((pid) => !gone.includes(pid));
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
