import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { CliError } from '../load-app.ts';
import { writeSafely } from '../quiet-output.ts';
import { type FileWatcher, watchFiles } from './file-watcher.ts';

/** `--watch`: restart the worker when a watched file changes. */
export function watchOption(): Option {
  return new Option(
    '--watch',
    "development: restart the worker when a file in the task module's directory changes",
  );
}

/** `--watch-path <dir>`, repeatable: watch these directories instead (implies `--watch`). */
export function watchPathOption(): Option {
  return new Option(
    '--watch-path <dir>',
    'directory to watch instead of the task module directory; repeatable (implies --watch)',
  )
    .argParser(collectDirectory)
    .implies({ watch: true });
}

function collectDirectory(value: string, previous: string[] | undefined): string[] {
  if (!isDirectory(value)) throw new InvalidArgumentError(`not a directory: ${value}`);
  return [...(previous ?? []), value];
}

/** The worker flags the supervisor reads. */
export interface WatchFlags {
  app: string;
  watchPath?: string[];
}

/**
 * Runs the worker in a child process and restarts it when a watched file changes; resolves once
 * a signal has stopped it. A fresh process is the only sure way to load changed ES modules.
 */
export async function superviseWithWatch(flags: WatchFlags): Promise<void> {
  if (!existsSync(resolve(flags.app))) throw new CliError(`task module not found: ${flags.app}`);
  const roots = (flags.watchPath ?? [dirname(flags.app)]).map((dir) => resolve(dir));
  const supervisor = new WatchSupervisor(workerCommand(process.argv), roots);
  const code = await supervisor.run();
  if (code !== 0) process.exitCode = code;
}

/** The command line of the real worker: this one without the watch flags. */
export function workerCommand(argv: string[]): string[] {
  const args: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--watch-path') i++;
    else if (arg !== '--watch' && !arg.startsWith('--watch-path=')) args.push(arg);
  }
  // The same node flags (loaders included) and the same entry script as this process.
  return [process.execPath, ...process.execArgv, argv[1] as string, ...args];
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** One worker process and how it ended. */
interface Child {
  process: ChildProcess;
  exited: Promise<number>;
  /** Signals this supervisor sent it: a second one makes the worker return running tasks. */
  signalled: number;
  running: boolean;
}

/** Spawns the worker, restarts it on changes, stops it on SIGTERM/SIGINT. */
class WatchSupervisor {
  private child: Child | undefined;
  private watcher: FileWatcher | undefined;
  private restarting = false;
  private signals = 0;
  private finished: ((code: number) => void) | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => this.signal(signal);

  constructor(
    private readonly command: string[],
    private readonly roots: string[],
  ) {}

  /** Resolves with the exit code of the last worker once a signal has stopped everything. */
  run(): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.finished = resolve;
    });
    this.watcher = this.watch();
    // SIGHUP too: the worker has its own process group, so a closing terminal only tells us.
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
    say(`watching ${this.roots.map(display).join(', ')}; the worker restarts when a file changes`);
    this.child = this.spawn();
    return done;
  }

  private watch(): FileWatcher {
    try {
      return watchFiles({
        roots: this.roots,
        onChange: (paths) => void this.restart(paths),
        onError: (error) => say(`could not watch a directory: ${error.message}`),
      });
    } catch (error) {
      throw new CliError(`cannot watch ${this.roots.join(', ')}: ${(error as Error).message}`);
    }
  }

  private spawn(): Child {
    const [node, ...args] = this.command as [string, ...string[]];
    // detached: a new process group, so that Ctrl-C reaches this supervisor alone and the
    // worker hears one signal (graceful) rather than two (return running tasks now). No stdin:
    // the worker reads none, and a background process group reading a terminal is stopped.
    const proc = spawn(node, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const child: Child = { process: proc, signalled: 0, running: true, exited: Promise.resolve(0) };
    child.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        child.running = false;
        resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
        this.onExit(child, code, signal);
      });
      // Also emitted when a kill fails; only a process that never started has no pid.
      proc.on('error', (error) => {
        if (proc.pid !== undefined) return;
        say(`could not start the worker: ${error.message}; waiting for a change`);
        child.running = false;
        resolve(1);
      });
    });
    return child;
  }

  /** A worker that ends unasked (a module that does not load) waits for the next change. */
  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    if (child.signalled > 0 || this.signals > 0) return;
    const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
    say(`worker ${how}; waiting for a change`);
  }

  private async restart(paths: string[]): Promise<void> {
    // During a restart the next worker is not started yet: it will load these changes too.
    if (this.restarting || this.signals > 0) return;
    this.restarting = true;
    say(`${describeChange(paths)} changed; restarting worker`);
    const old = this.child;
    if (old?.running) this.kill(old, 'SIGTERM');
    await old?.exited;
    this.restarting = false;
    if (this.signals === 0) this.child = this.spawn();
  }

  private signal(signal: NodeJS.Signals): void {
    this.signals++;
    const child = this.child;
    // The first signal stops the worker gracefully, unless a restart already asked it to;
    // a second one is passed on, and the worker returns its running tasks at once. The worker
    // has no SIGHUP handler (it would die on the spot): it gets SIGTERM instead.
    const forward = signal === 'SIGHUP' ? 'SIGTERM' : signal;
    if (child?.running && (this.signals > 1 || child.signalled === 0)) this.kill(child, forward);
    if (this.signals === 1) void this.finish();
  }

  /** Waits for the worker the signal stopped; a worker that had already failed counts as 0. */
  private async finish(): Promise<void> {
    this.watcher?.close();
    const code = this.child ? await this.child.exited : 0;
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
    this.finished?.(this.child?.signalled ? code : 0);
  }

  private kill(child: Child, signal: NodeJS.Signals): void {
    child.signalled++;
    child.process.kill(signal);
  }
}

/** Writes one supervisor line to stderr, beside the worker's own logs. */
function say(message: string): void {
  writeSafely(process.stderr, `watch: ${message}\n`);
}

function describeChange(paths: string[]): string {
  const first = display(paths[0] ?? '');
  return paths.length > 1 ? `${first} (and ${paths.length - 1} more)` : first;
}

/** A path relative to the working directory when it is below it, else absolute. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
