import { type ChildProcess, spawn } from 'node:child_process';
import { CLI_FROM_SOURCES } from '../../test/support/cli-entry.ts';
import { type WatchedLines, watchLines } from '../../test/support/watch-lines.ts';

/** How a process ended: its exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `celeriac` CLI process (worker, beat) or a fixture script the suite started. */
export interface ChaosProcess extends WatchedLines {
  role: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  /** Whether it has not exited yet. */
  running(): boolean;
  /** SIGKILL, and wait until it is gone. */
  kill9(): Promise<ExitInfo>;
  /** SIGTERM, and wait for a graceful exit (SIGKILL after `graceMs`, default 30 s). */
  terminate(graceMs?: number): Promise<ExitInfo>;
}

const ONLINE = /"msg":"worker online"/;
const STOP_GRACE_MS = 30_000;

/** Every process still running: a scenario that throws must not leave workers behind. */
const live = new Set<ChaosProcess>();
process.on('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});

/** Starts `node <nodeArgs>` with JSON logs at info level and `env` on top of ours. */
export function startNode(
  role: string,
  nodeArgs: string[],
  env: Record<string, string>,
): ChaosProcess {
  const child = spawn(process.execPath, nodeArgs, {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'json', CELERIAC_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start the ${role} process`);
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const proc: ChaosProcess = {
    role,
    pid: child.pid,
    child,
    exited,
    running,
    ...watchLines(child, exited),
    async kill9() {
      if (running()) child.kill('SIGKILL');
      return exited;
    },
    async terminate(graceMs = STOP_GRACE_MS) {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** Starts `celeriac <args>` from the sources, as a user's command line would. */
export function startCli(role: string, args: string[], env: Record<string, string>): ChaosProcess {
  return startNode(role, [...CLI_FROM_SOURCES, ...args], env);
}

/** Options of a worker process. */
export interface WorkerSpec {
  /** The task module (-A). */
  app: string;
  queues: string[];
  concurrency: number;
  /** The lease, e.g. `2s`: how soon a killed worker's tasks come back. */
  lease: string;
  extra?: string[];
}

/** Starts a worker and resolves once it logs that it consumes. */
export async function startWorker(
  spec: WorkerSpec,
  env: Record<string, string>,
): Promise<ChaosProcess> {
  const args = [
    'worker',
    '-A',
    spec.app,
    '-Q',
    spec.queues.join(','),
    '-c',
    String(spec.concurrency),
  ];
  const worker = startCli('worker', [...args, '--lease', spec.lease, ...(spec.extra ?? [])], env);
  await worker.waitFor(ONLINE);
  return worker;
}

/** Stops every process of `processes` still running with SIGKILL; for cleanup after a failure. */
export async function killAll(processes: Iterable<ChaosProcess>): Promise<void> {
  await Promise.all([...processes].map((p) => p.kill9()));
}
