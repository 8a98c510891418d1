import { existsSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallTmpfsOrSkip } from './small-tmpfs.ts';

describe('smallTmpfsOrSkip', () => {
  it('mounts a disk that fill() makes full, release() frees, and unmount() removes', async (ctx) => {
    const tmpfs = await smallTmpfsOrSkip(64 * 1024, (reason) => ctx.skip(reason));
    if (!tmpfs) return;
    try {
      expect(await tmpfs.fill()).toBeGreaterThan(0);
      await expect(appendFile(join(tmpfs.dir, 'log'), 'a line\n')).rejects.toMatchObject({
        code: 'ENOSPC',
      });
      await tmpfs.release();
      await writeFile(join(tmpfs.dir, 'log'), 'a line\n');
    } finally {
      await tmpfs.unmount();
    }
    expect(existsSync(tmpfs.dir)).toBe(false);
  });
});
