import { fstatSync, readFileSync } from 'node:fs';

/**
 * How a log destination writes to its fd: `sync` where a write can never wait for a reader (a
 * file, a terminal, a non-blocking pipe, which answers EAGAIN instead), `async` (on libuv's
 * thread pool, so only that thread waits) where it could, `closed` when the fd is not open.
 */
export type WriteMode = 'sync' | 'async' | 'closed';

/** O_NONBLOCK in the octal `flags:` line of /proc/self/fdinfo (Linux). */
const O_NONBLOCK = 0o4000;

/** The write mode for `fd`, read from what the fd is. */
export function chooseWriteMode(fd: number): WriteMode {
  let stat: ReturnType<typeof fstatSync>;
  try {
    stat = fstatSync(fd);
  } catch {
    return 'closed';
  }
  if (stat.isFile() || stat.isCharacterDevice()) return 'sync';
  // Node opens its stdout and stderr pipes non-blocking (libuv) the first time they are used.
  if (fd === 1) void process.stdout;
  if (fd === 2) void process.stderr;
  return isNonBlocking(fd) ? 'sync' : 'async';
}

function isNonBlocking(fd: number): boolean {
  try {
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & O_NONBLOCK) !== 0;
  } catch {
    // Not Linux, or no /proc: assume a write could wait.
    return false;
  }
}
