import { type ChildProcess, spawn } from 'node:child_process';
import type { ChildConfig, ChildMessage, ChildReport, ParentMessage } from './protocol.ts';

/** How a worker child runs: its TypeScript under tsx, or a plain-JavaScript script under plain node. */
export type ChildRuntime = 'tsx' | 'node';

/**
 * The environment of a plain-node child: the runner's, minus anything that would change a
 * worker or Node (every `CELERIAC_*` variable, `NODE_OPTIONS`, the runner's own `BENCH_CHILD`).
 */
export function plainNodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('CELERIAC_') || key === 'NODE_OPTIONS' || key === 'BENCH_CHILD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Children alive now, so a failing run can kill them all before it exits. */
const live = new Set<WorkerProcess>();

/** A worker child process of one system, driven over IPC. */
export class WorkerProcess {
  /** Completions the child last reported. */
  done = 0;
  private reported = false;
  private final: ((report: ChildReport) => void) | undefined;
  private failure: Error | undefined;
  /** Resolves with the child's failure; a promise that never rejects cannot go unhandled. */
  private readonly failedWith: Promise<Error>;
  private readonly progressListeners = new Set<() => void>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    let settle: (error: Error) => void = () => {};
    this.failedWith = new Promise<Error>((resolve) => {
      settle = resolve;
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      settle(this.failure);
      for (const listener of this.progressListeners) listener();
    };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'progress') {
        this.done = message.done;
        for (const listener of this.progressListeners) listener();
      } else if (message.type === 'final') {
        this.reported = true;
        this.final?.(message.report);
      } else if (message.type === 'error') fail(new Error(`${label} failed: ${message.message}`));
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('exit', (code, signal) => {
      live.delete(this);
      if (code !== 0) fail(new Error(`${label} exited with ${signal ?? `code ${code}`}`));
    });
    // 'close' comes after every IPC message was delivered, so a missing report is certain here.
    child.on('close', () => {
      if (!this.reported) fail(new Error(`${label} exited without its final report`));
    });
    child.on('error', (error) => fail(new Error(`${label}: ${error.message}`)));
    live.add(this);
  }

  /**
   * Spawns `script` (under tsx, or under plain node with {@link plainNodeEnv}) and resolves once
   * its worker is connected and idle.
   */
  static async spawn(
    script: string,
    config: ChildConfig,
    label: string,
    runtime: ChildRuntime = 'tsx',
  ): Promise<WorkerProcess> {
    const env = { BENCH_CHILD: JSON.stringify(config) };
    const child =
      runtime === 'tsx'
        ? spawn(process.execPath, ['--import', 'tsx', script], {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: { ...process.env, ...env },
          })
        : spawn(process.execPath, [script], {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: plainNodeEnv(env),
          });
    const worker = new WorkerProcess(child, label);
    const ready = new Promise<void>((resolve) => {
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve();
      });
    });
    await worker.orFail(ready);
    return worker;
  }

  /** Tells the child to start consuming. */
  go(): void {
    this.send({ type: 'go' });
  }

  /** Stops the child's worker gracefully, waits for it to exit and returns its final report. */
  async stop(): Promise<ChildReport> {
    const report = new Promise<ChildReport>((resolve) => {
      this.final = resolve;
    });
    this.send({ type: 'stop' });
    const final = await this.orFail(report);
    // A child still closing would steal CPU from the next measurement.
    await this.orFail(this.exited);
    return final;
  }

  /** Resolves like `promise`, or rejects with the child's failure if that comes first. */
  private orFail<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      promise.then(resolve, reject);
      // Rejecting an already settled promise does nothing, so a later failure stays harmless here.
      void this.failedWith.then(reject);
    });
  }

  /** Calls `listener` on each progress report and on failure; returns the unsubscribe. */
  onProgress(listener: () => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** The child's process id (for reading /proc/<pid>/status). */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} has no process id`);
    return this.child.pid;
  }

  /** The child's failure, once it failed. */
  get error(): Error | undefined {
    return this.failure;
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }

  /** Kills every child still alive (after a failure). */
  static killAll(): void {
    for (const worker of live) worker.child.kill('SIGKILL');
    live.clear();
  }
}

/**
 * Resolves once the children together reported `expected` completions; rejects when one fails
 * or when the total stops moving for `stallMs`.
 */
export function waitForTotal(
  workers: WorkerProcess[],
  expected: number,
  stallMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = -1;
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe: Array<() => void> = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      const failed = workers.find((w) => w.error);
      if (failed?.error) return finish(failed.error);
      const total = workers.reduce((sum, w) => sum + w.done, 0);
      if (total >= expected) return finish();
      if (total === last) return;
      last = total;
      clearTimeout(timer);
      const message = `no progress for ${stallMs} ms at ${total} of ${expected} tasks`;
      timer = setTimeout(() => finish(new Error(message)), stallMs);
    };
    for (const worker of workers) unsubscribe.push(worker.onProgress(check));
    check();
  });
}
