import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type WatchedLines, watchLines } from '../support/watch-lines.ts';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const requireFromRepo = createRequire(join(REPO, 'package.json'));

/** The version of a package the repository has installed, so a project installs the same one. */
export function installedVersion(name: string): string {
  const manifest = requireFromRepo.resolve(`${name}/package.json`);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** What `run` saw of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never throwing on a non-zero exit). */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs ?? 180_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    const code = typeof failed.code === 'number' ? failed.code : 1;
    return { code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** The packed tarball: `npm pack` of the repository, which builds dist/ first (prepack). */
export interface Tarball {
  path: string;
  /** What npm reported of it. */
  size: number;
  files: string[];
}

/** Packs the repository into a fresh temp folder, exactly as `npm publish` would. */
export async function packCeleriac(): Promise<Tarball> {
  const destination = mkdtempSync(join(tmpdir(), 'celeriac-pack-'));
  const packed = await onePackAtATime(() =>
    run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: REPO }),
  );
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  // prepack's build logs come before npm's JSON on stdout.
  const json = packed.stdout.slice(packed.stdout.indexOf('[\n'));
  const [report] = JSON.parse(json) as Array<{
    filename: string;
    size: number;
    files: Array<{ path: string }>;
  }>;
  if (!report) throw new Error(`npm pack printed no report:\n${packed.stdout}`);
  return {
    path: join(destination, report.filename),
    size: report.size,
    files: report.files.map((f) => f.path),
  };
}

/**
 * Runs `pack` while no other process packs this repository: each pack rebuilds dist/ (prepack
 * empties it first), so test files that pack at once would ship each other's half-built dist/.
 * The lock is a directory holding its owner's pid; an owner that died leaves it to the next.
 */
async function onePackAtATime<T>(pack: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), `celeriac-pack-lock${REPO.replace(/[^\w]+/g, '_')}`);
  for (const since = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockOwnerGone(lock)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - since > 600_000) throw new Error(`${lock} held for 10 minutes`);
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await pack();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockOwnerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return false; // just made: its owner writes the pid next
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Environment under which installing better-sqlite3 takes a prebuilt binary from a local folder
 * (prebuild-install's `local-prebuilds`) instead of compiling SQLite: the same binary the
 * repository built, so each project installs in seconds, as it would with a download.
 */
export function sqlitePrebuildEnv(): NodeJS.ProcessEnv {
  const version = installedVersion('better-sqlite3');
  const folder = mkdtempSync(join(tmpdir(), 'celeriac-prebuilds-'));
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const packageDir = dirname(requireFromRepo.resolve('better-sqlite3/package.json'));
  const binary = 'build/Release/better_sqlite3.node';
  const tar = spawnSync('tar', ['-czf', join(folder, name), '-C', packageDir, binary]);
  if (tar.status !== 0) throw new Error(`could not pack the better-sqlite3 binary: ${tar.stderr}`);
  return { npm_config_better_sqlite3_local_prebuilds: folder };
}

/** A temp project folder with a package.json and files; removed by `remove`. */
export interface Project {
  dir: string;
  write(path: string, text: string): void;
  remove(): void;
}

/** Makes a project: `manifest` is its package.json (name and version are added). */
export function makeProject(label: string, manifest: Record<string, unknown> = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), `celeriac-${label}-`));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('package.json', JSON.stringify({ name: label, version: '1.0.0', ...manifest }, null, 2));
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `npm install`s `specs` into the project from the npm cache where it can; throws on failure. */
export async function npmInstall(
  project: Project,
  specs: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs];
  const result = await run('npm', args, { cwd: project.dir, env });
  if (result.code !== 0)
    throw new Error(`npm install ${specs.join(' ')} failed:\n${result.stderr}`);
}

/** A long-running command with its output collected line by line. */
export interface Background extends WatchedLines {
  child: ChildProcess;
  /** Signals the command's process group and waits until all of it has exited. */
  stop(): Promise<number | null>;
}

/** Starts a command that keeps running (a worker). */
export function start(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Background {
  // A group of its own: `npx` does not pass SIGTERM on to the worker it started, so `stop`
  // signals the whole group.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    ...watchLines(child, exited),
    stop: async () => {
      const group = child.pid as number;
      signalGroup(group, 'SIGTERM');
      const code = await exited;
      // The leader (npx) may end before the worker it started: wait for the group to empty.
      for (let waited = 0; groupAlive(group); waited += 50) {
        if (waited > 30_000) signalGroup(group, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return code;
    },
  };
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}
