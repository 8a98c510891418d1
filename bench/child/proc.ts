import { readFileSync } from 'node:fs';

/**
 * Memory of a live process from the parent's side, in bytes: `VmRSS` (resident now) and
 * `VmHWM` (the peak resident set since it started), both read from /proc/<pid>/status, which
 * gives them in KiB. Linux only; fails loudly elsewhere or once the process has gone.
 */
export function readProcMemory(pid: number): { rss: number; peak: number } {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read /proc/${pid}/status (the RSS figures need Linux and a live worker): ${(error as Error).message}`,
    );
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return Number(match[1]) * 1024;
  };
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}
