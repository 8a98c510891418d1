// docs/getting-started.md, followed verbatim from an empty folder with the packed tarball, in
// the CommonJS project `npm init -y` makes and in an ES module project. The steps come from the
// doc itself, read in order:
//
// - a code block whose first line names a file (`// tasks.mjs`) is written to that file;
// - each line of an `sh` block is a command, run in the project folder (`#` starts a comment);
//   `npm install celeriac …` installs the tarball in place of `celeriac`;
// - `<!-- test: long-running -->` above an `sh` block: its command keeps running (the worker);
//   it is stopped, as Ctrl-C would, where the next long-running command starts and at the end;
// - a `text` block after a command is what it prints: exactly, for a command that ends; for
//   pretty log lines (`[10:00:00.000] INFO …: worker online {…}`), each line's message must
//   appear in the running command's log;
// - steps under a heading that names Redis run against the test Redis, under a key prefix of
//   their own (`redis://127.0.0.1:6379` in a file becomes the test's URL), or not at all
//   without one.
// Other code blocks of the doc are checked by snippets.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Background,
  packCeleriac,
  type RunResult,
  run,
  sqlitePrebuildEnv,
  start,
  type Tarball,
} from '../package/packed-project.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';
import { readFences } from './doc-blocks.ts';

const DOC = 'docs/getting-started.md';
const DOC_REDIS_URL = 'redis://127.0.0.1:6379';
const WAIT_MS = 20_000;
const LOG_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+(?: \([^)]*\))?: (.+?)(?: \{.*)?$/;

type Step =
  | { kind: 'file'; line: number; path: string; text: string; redis: boolean }
  | { kind: 'command'; line: number; argv: string[]; longRunning: boolean; redis: boolean }
  | { kind: 'output'; line: number; text: string; redis: boolean }
  | { kind: 'logs'; line: number; messages: string[]; redis: boolean };

/** The doc's steps, in order. */
function readSteps(): Step[] {
  const steps: Step[] = [];
  for (const fence of readFences(DOC)) {
    const at = `${DOC}:${fence.line}`;
    const redis = /redis/i.test(fence.heading);
    const longRunning = fence.markers.some((m) => m.kind === 'long-running');
    if (fence.lang === 'sh') {
      const commands = fence.code
        .split('\n')
        .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
        .filter(Boolean);
      if (longRunning && commands.length !== 1) {
        throw new Error(`${at}: a long-running block holds one command`);
      }
      for (const command of commands) {
        if (/["'`$|&;<>()]/.test(command)) {
          throw new Error(`${at}: "${command}": commands are words, without shell syntax`);
        }
        steps.push({
          kind: 'command',
          line: fence.line,
          argv: command.split(/\s+/),
          longRunning,
          redis,
        });
      }
    } else if (fence.lang === 'text') {
      const lines = fence.code.split('\n');
      if (lines.every((line) => LOG_LINE.test(line))) {
        const messages = lines.map((line) => (LOG_LINE.exec(line) as RegExpExecArray)[1] as string);
        steps.push({ kind: 'logs', line: fence.line, messages, redis });
      } else {
        steps.push({ kind: 'output', line: fence.line, text: fence.code.trim(), redis });
      }
    } else {
      const named = /^\/\/ ([\w./-]+\.[cm]?[jt]s)\b/.exec(fence.code.split('\n')[0] ?? '');
      if (named) {
        const path = named[1] as string;
        steps.push({ kind: 'file', line: fence.line, path, text: `${fence.code}\n`, redis });
      }
    }
  }
  return steps;
}

const steps = readSteps();
let tarball: Tarball;
let prebuilds: NodeJS.ProcessEnv;
const folders: string[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  tarball = await packCeleriac();
  prebuilds = sqlitePrebuildEnv();
}, 180_000);

afterAll(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  if (tarball) rmSync(dirname(tarball.path), { recursive: true, force: true });
  for (const folder of Object.values(prebuilds ?? {})) {
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
  if (redisAvailable) for (const prefix of prefixes) await deleteRedisPrefix(prefix);
});

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const logged = (message: string) => new RegExp(`"msg":${escapeRegExp(JSON.stringify(message))}`);

/** Follows the doc in a fresh folder: the CommonJS project `npm init -y` makes, or an ES one. */
async function followDoc(kind: 'commonjs' | 'module'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `celeriac-getting-started-${kind}-`));
  folders.push(dir);
  const prefix = `celeriac-test-getting-started-${kind}-${process.pid}`;
  prefixes.push(prefix);
  const testRedis = new URL(redisUrl);
  testRedis.searchParams.set('prefix', prefix);
  const env = { ...prebuilds };
  let worker: Background | undefined;
  let last: { command: string; result: RunResult } | undefined;

  const stopWorker = async (at: string) => {
    if (!worker) return;
    await worker.stop();
    expect(worker.output(), `${at}: the worker stops gracefully`).toMatch(logged('worker offline'));
    worker = undefined;
  };

  for (const step of steps) {
    const at = `${DOC}:${step.line}`;
    if (step.redis && !redisAvailable) continue;
    if (step.kind === 'file') {
      const text = step.text.replaceAll(DOC_REDIS_URL, testRedis.href);
      writeFileSync(join(dir, step.path), text);
    } else if (step.kind === 'command' && step.longRunning) {
      await stopWorker(at);
      const [command, ...args] = step.argv as [string, ...string[]];
      worker = start(command, args, { cwd: dir, env });
    } else if (step.kind === 'command') {
      let [command, ...args] = step.argv as [string, ...string[]];
      if (command === 'npm' && (args[0] === 'install' || args[0] === 'i')) {
        args = args.map((arg) => (arg === 'celeriac' ? tarball.path : arg));
        args.push('--prefer-offline', '--no-audit', '--no-fund');
      }
      const result = await run(command, args, { cwd: dir, env, timeoutMs: 120_000 });
      const shown = step.argv.join(' ');
      if (result.code !== 0) {
        throw new Error(`${at}: \`${shown}\` exited with ${result.code}:\n${result.stderr}`);
      }
      last = { command: shown, result };
      // The ES module project: what `npm init -y` made, told it is one.
      if (kind === 'module' && shown === 'npm init -y') {
        await run('npm', ['pkg', 'set', 'type=module'], { cwd: dir });
      }
    } else if (step.kind === 'output') {
      if (!last) throw new Error(`${at}: an output block before any command`);
      expect(last.result.stdout.trim(), `${at}: what \`${last.command}\` prints`).toBe(step.text);
    } else {
      const current = worker;
      if (!current) throw new Error(`${at}: log lines, but no long-running command is running`);
      for (const message of step.messages) {
        await within(current.waitFor(logged(message)), `"${message}" in the log (${at})`).catch(
          (error: Error) => {
            throw new Error(`${error.message}:\n${current.output()}`);
          },
        );
      }
    }
  }
  await stopWorker(`${DOC}: the end`);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    type?: string;
  };
  expect(manifest.type ?? 'commonjs').toBe(kind);
}

describe('docs/getting-started.md, verbatim', () => {
  it('has the steps this test follows', () => {
    const commands = steps.flatMap((s) => (s.kind === 'command' ? [s.argv.join(' ')] : []));
    expect(commands).toContain('npm install celeriac better-sqlite3');
    expect(steps.some((s) => s.kind === 'command' && s.longRunning)).toBe(true);
    expect(steps.some((s) => s.kind === 'logs')).toBe(true);
  });

  it.concurrent('in the CommonJS project npm init -y makes', () => followDoc('commonjs'), 300_000);
  it.concurrent('in an ES module project', () => followDoc('module'), 300_000);
});
