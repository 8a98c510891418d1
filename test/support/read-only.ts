import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';

/** A file or folder made read-only for this process, and how to make it writable again. */
export interface ReadOnly {
  /** Makes it writable again (before the test deletes it). */
  undo(): void;
}

/**
 * Makes `path` read-only for this process: `chattr +i` as root (root ignores permission bits,
 * not the immutable flag), `chmod a-w` otherwise. Returns why when neither can be done.
 */
export function makeReadOnly(path: string): ReadOnly | { reason: string } {
  if (process.getuid?.() !== 0) {
    const mode = statSync(path).mode & 0o7777;
    chmodSync(path, mode & ~0o222);
    return { undo: () => chmodSync(path, mode) };
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { reason: `root ignores permissions, and chattr +i failed: ${detail || error}` };
  }
  return { undo: () => execFileSync('chattr', ['-i', path]) };
}

/**
 * `makeReadOnly`, for a test that must run under CI=true: there a missing mechanism is a
 * failure, elsewhere `skip(reason)` is called (vitest's `ctx.skip`).
 */
export function readOnlyOrSkip(path: string, skip: (reason: string) => void): ReadOnly {
  const made = makeReadOnly(path);
  if ('undo' in made) return made;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${made.reason}`);
  skip(made.reason);
  throw new Error('unreachable: skip() throws');
}
