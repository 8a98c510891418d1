import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { ChildInit, FromChild, ToChild } from './pool-messages.ts';

/** `threads` runs tasks on worker threads, `process` in forked child processes. */
export type PoolKind = 'threads' | 'process';

// Built, this module is child-entry.js's neighbour; from the sources, the child first needs a
// TypeScript loader for Celeriac's own modules.
const ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './child-entry-from-sources.mjs' : './child-entry.js',
  import.meta.url,
);

/** The parent's handle on one pool child, the same for a thread and a process. */
export interface PoolChild {
  /** `thread 3` or `pid 1234`, for logs. */
  readonly label: string;
  send(message: ToChild): void;
  onMessage(handler: (message: FromChild) => void): void;
  /** Called once, when the child is gone, with how it ended (`code 1`, `signal SIGKILL`). */
  onExit(handler: (how: string) => void): void;
  /** Stops the child at once, whatever it is doing. */
  kill(): void;
}

/** Starts one child of the given kind; it loads `init.appModule` and reports `ready`. */
export function spawnPoolChild(kind: PoolKind, init: ChildInit): PoolChild {
  return kind === 'threads' ? spawnThread(init) : spawnProcess(init);
}

function spawnThread(init: ChildInit): PoolChild {
  const thread = new Thread(ENTRY, { workerData: init });
  // An uncaught error in the thread is followed by its exit, which reports the child as gone.
  thread.on('error', () => {});
  return {
    label: `thread ${thread.threadId}`,
    send: (message) => thread.postMessage(message),
    onMessage: (handler) => thread.on('message', handler),
    onExit: (handler) => thread.once('exit', (code) => handler(`code ${code}`)),
    kill: () => void thread.terminate(),
  };
}

function spawnProcess(init: ChildInit): PoolChild {
  const child: ChildProcess = fork(fileURLToPath(ENTRY), [], {
    serialization: 'advanced',
    env: { ...process.env, CELERIAC_POOL_INIT: JSON.stringify(init) },
  });
  // A send to a child that just died fails asynchronously; its exit event reports it.
  child.on('error', () => {});
  return {
    label: `pid ${child.pid}`,
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (handler) => child.on('message', (m) => handler(m as FromChild)),
    onExit: (handler) =>
      child.once('exit', (code, signal) => handler(signal ? `signal ${signal}` : `code ${code}`)),
    kill: () => void child.kill('SIGKILL'),
  };
}
