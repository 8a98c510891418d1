import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a pid file says about its node. */
export type PidState =
  | { state: 'running'; pid: number }
  | { state: 'stale'; pid: number | undefined }
  | { state: 'stopped' };

/** The pid in a pid file; undefined when the file is missing or holds no pid. */
export function readPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Writes `pid` to a pid file, creating its folder. */
export function writePid(path: string, pid: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${pid}\n`);
}

/** Removes a pid file if it is there. */
export function removePid(path: string): void {
  rmSync(path, { force: true });
}

/** Whether the pid file names a live process, a dead one, or there is no pid file. */
export function pidState(path: string): PidState {
  if (!existsSync(path)) return { state: 'stopped' };
  const pid = readPid(path);
  if (pid !== undefined && isAlive(pid)) return { state: 'running', pid };
  return { state: 'stale', pid };
}

/** Whether a process with this pid exists and has not exited. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

// A detached worker outlives multi and is handed to init; where init does not reap (PID 1 in
// some containers) an exited worker stays a zombie, which signal 0 still reaches. Linux only:
// elsewhere there is no /proc and init reaps.
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
