import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { CLI_FROM_SOURCES } from '../../test/support/cli-entry.ts';
import { watchLines } from '../../test/support/watch-lines.ts';
import type { ChaosProcess, ExitInfo, WorkerSpec } from '../harness/processes.ts';

/** Where a worker runs and where its stdout goes: what the environment scenarios change. */
export interface LaunchPlace {
  /** A command the worker runs under (`ip netns exec <ns>`); empty for none. */
  prefix?: readonly string[];
  /** Where stdout goes (a log file's descriptor, another process's stdin); a pipe to here by default. */
  stdout?: number | Writable;
}

const ONLINE = /"msg":"worker online"/;
const STOP_GRACE_MS = 30_000;

/**
 * Starts a `celeriac worker` from the sources like the harness's startWorker, but under a
 * command prefix and with stdout where `place` says; resolves once it consumes. With stdout
 * elsewhere, the caller watches for "online" there, so this resolves at spawn.
 */
export async function launchWorker(
  spec: WorkerSpec,
  env: Record<string, string>,
  place: LaunchPlace,
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
  const argv = [...CLI_FROM_SOURCES, ...args, '--lease', spec.lease, ...(spec.extra ?? [])];
  const [file, ...rest] = [...(place.prefix ?? []), process.execPath, ...argv];
  const child = spawn(file as string, rest, {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'json', CELERIAC_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', place.stdout ?? 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start a worker under ${file}`);
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const proc: ChaosProcess = {
    role: 'worker',
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
  process.once('exit', () => child.kill('SIGKILL'));
  if (place.stdout === undefined) await proc.waitFor(ONLINE);
  return proc;
}
