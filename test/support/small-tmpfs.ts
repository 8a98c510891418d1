import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A small tmpfs mounted at a fresh temporary folder: a disk that can be made full on purpose. */
export interface SmallTmpfs {
  /** Where it is mounted. */
  readonly dir: string;
  /** Writes a filler file until the disk refuses (ENOSPC); resolves with the bytes it took. */
  fill(): Promise<number>;
  /** Deletes the filler file: the disk has room again. */
  release(): Promise<void>;
  /** Unmounts (lazily when a process still holds a file there) and removes the folder. */
  unmount(): Promise<void>;
}

/** A mounted tmpfs, or why none could be mounted (not root, no mount command, a sandbox). */
export type SmallTmpfsResult = { tmpfs: SmallTmpfs } | { tmpfs: undefined; reason: string };

const FILLER = '.filler';

/** Mounts a tmpfs of `bytes` bytes (rounded up to whole pages by the kernel) at a new folder. */
export async function mountSmallTmpfs(bytes: number): Promise<SmallTmpfsResult> {
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  } catch (error) {
    await rmdir(dir).catch(() => undefined);
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    return { tmpfs: undefined, reason: `cannot mount a tmpfs (needs root): ${detail}` };
  }
  return { tmpfs: smallTmpfsAt(dir) };
}

/**
 * A tmpfs for a test that must run under CI=true: there a missing mount is a failure, elsewhere
 * `skip(reason)` is called (vitest's `ctx.skip`) and undefined returned.
 */
export async function smallTmpfsOrSkip(
  bytes: number,
  skip: (reason: string) => void,
): Promise<SmallTmpfs | undefined> {
  const result = await mountSmallTmpfs(bytes);
  if (result.tmpfs) return result.tmpfs;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${result.reason}`);
  skip(result.reason);
  return undefined;
}

function smallTmpfsAt(dir: string): SmallTmpfs {
  return {
    dir,
    fill: () => fillUntilFull(join(dir, FILLER)),
    release: () => rm(join(dir, FILLER), { force: true }),
    unmount: async () => {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rmdir(dir);
    },
  };
}

/** Big writes first, then single bytes, so not even a short line fits afterwards. */
async function fillUntilFull(path: string): Promise<number> {
  const file = await open(path, 'a');
  let written = 0;
  try {
    for (const size of [1 << 16, 1 << 10, 1]) {
      const chunk = Buffer.alloc(size);
      for (let n = await writeSome(file, chunk); n > 0; n = await writeSome(file, chunk)) {
        written += n;
        if (n < size) break;
      }
    }
  } finally {
    await file.close();
  }
  return written;
}

/** The bytes of `chunk` the disk took: 0 once it is full. */
async function writeSome(file: Awaited<ReturnType<typeof open>>, chunk: Buffer): Promise<number> {
  try {
    return (await file.write(chunk)).bytesWritten;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return 0;
    throw error;
  }
}
