import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Debouncer,
  type FileWatcher,
  isIgnored,
  watchFiles,
} from '../../../src/cli/watch/file-watcher.ts';
import { until } from '../../e2e/e2e-env.ts';

describe('isIgnored', () => {
  it.each([
    ['tasks.ts', false],
    ['lib/emails/send.mts', false],
    ['lib/legacy.cjs', false],
    ['view.tsx', false],
    ['config.json', false],
    ['node_modules/pkg/index.js', true],
    ['lib/node_modules/pkg/index.js', true],
    ['.git/HEAD', true],
    ['.cache/compiled.ts', true],
    ['lib/.hidden/tasks.ts', true],
    ['.tasks.ts.swp', true],
    ['tasks.ts~', true],
    ['4913', true],
    ['broker.db', true],
    ['broker.db-wal', true],
  ])('%s -> %s', (path, ignored) => {
    expect(isIgnored(path)).toBe(ignored);
  });
});

describe('Debouncer', () => {
  it('hands over a burst once, each path once, in first-seen order', async () => {
    const calls: string[][] = [];
    const debouncer = new Debouncer(20, (paths) => calls.push(paths));
    debouncer.add('b.ts');
    debouncer.add('a.ts');
    debouncer.add('b.ts');
    await until(() => calls.length > 0, 'the flush');
    debouncer.add('c.ts');
    await until(() => calls.length > 1, 'the second flush');
    expect(calls).toEqual([['b.ts', 'a.ts'], ['c.ts']]);
  });

  it('drops what is pending on cancel', async () => {
    const calls: string[][] = [];
    const debouncer = new Debouncer(20, (paths) => calls.push(paths));
    debouncer.add('dropped.ts');
    debouncer.cancel();
    debouncer.add('kept.ts');
    await until(() => calls.length > 0, 'the flush');
    expect(calls).toEqual([['kept.ts']]);
  });
});

describe.each([
  ['recursive fs.watch', true],
  ['one watch per directory', false],
])('watchFiles (%s)', (_mode, recursive) => {
  let dir: string;
  let watcher: FileWatcher | undefined;
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(): Set<string> {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-watch-'));
    for (const sub of ['node_modules/pkg', '.git', '.cache', 'lib/deep'])
      mkdirSync(join(dir, sub), { recursive: true });
    const seen = new Set<string>();
    watcher = watchFiles({
      roots: [dir],
      recursive,
      debounceMs: 20,
      onChange: (paths) => {
        for (const path of paths) seen.add(path);
      },
    });
    return seen;
  }

  it('reports changed module files and nothing under ignored paths', async () => {
    const seen = start();
    // Ignored ones first: the watched files are written after them, so seeing those means
    // the ignored events were already handled.
    for (const file of [
      'node_modules/pkg/index.js',
      '.git/HEAD',
      '.cache/compiled.ts',
      'lib/broker.db',
      'lib/tasks.ts~',
    ])
      writeFileSync(join(dir, file), 'x');
    for (const file of ['tasks.ts', 'lib/deep/util.ts']) writeFileSync(join(dir, file), 'x');
    await until(() => seen.size >= 2, 'both module files');
    expect([...seen].sort()).toEqual([join(dir, 'lib/deep/util.ts'), join(dir, 'tasks.ts')]);
  });

  it('follows directories created after it started', async () => {
    const seen = start();
    const file = join(dir, 'added/inner/task.ts');
    mkdirSync(join(dir, 'added/inner'), { recursive: true });
    // The new directory is watched once its creation is seen: write until the file is reported.
    await until(() => {
      writeFileSync(file, 'x');
      return seen.has(file);
    }, 'a file in a new directory');
  });

  it('watches a directory again after it was removed and created anew', async () => {
    const seen = start();
    const file = join(dir, 'lib/deep/again.ts');
    rmSync(join(dir, 'lib'), { recursive: true });
    mkdirSync(join(dir, 'lib/deep'), { recursive: true });
    await until(() => {
      writeFileSync(file, 'x');
      return seen.has(file);
    }, 'a file in the recreated directory');
  });
});
