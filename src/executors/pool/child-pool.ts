import type { Logger } from 'pino';
import type { ResultBackend } from '../../backends/backend.ts';
import type { Envelope } from '../../envelope/envelope.ts';
import { ChildExited, TaskRevoked, TimeLimitExceeded } from '../../errors/errors.ts';
import type { Outcome } from '../../middleware/middleware.ts';
import { storeOutcome } from '../../middleware/result-layer.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import { decideRetry } from '../../task/retry-policy.ts';
import type { AttemptRunner } from '../attempt-runner.ts';
import { type PoolChild, type PoolKind, spawnPoolChild } from './pool-child.ts';
import { type FromChild, fromWireOutcome } from './pool-messages.ts';

/** How a ChildPool is built. */
export interface ChildPoolOptions {
  kind: PoolKind;
  size: number;
  /** The module every child imports to find the app and its tasks. */
  appModule: string;
  /** Replace a child after this many tasks. */
  maxTasksPerChild?: number;
  /** Replace a child whose memory (process RSS, thread heap) passes this many bytes. */
  maxMemoryPerChild?: number;
  log: Logger;
  /** Where outcomes decided here (a hard kill, a crash) are stored, as the child would have. */
  backend: ResultBackend | undefined;
  resultTtlMs: number;
}

/** One attempt running in a child. */
interface Running {
  id: number;
  task: RegisteredTask;
  envelope: Envelope;
  resolve(outcome: Outcome): void;
  timer: NodeJS.Timeout | undefined;
}

/** A child and what it is doing. */
interface Member {
  child: PoolChild;
  tasksRun: number;
  running: Running | undefined;
  /** Asked to leave (recycled or closing): its exit is expected. */
  leaving: boolean;
}

const CLOSE_GRACE_MS = 3000;
const RESPAWN_DELAY_MS = 1000;

/**
 * Runs attempts in child threads or processes, one task per child at a time. The parent keeps
 * the broker: children only run handlers. A child over its hard time limit is killed and
 * replaced; one that crashes is replaced; one past its task or memory limit is retired after
 * its task. An attempt ended here rather than in the child gets its outcome from the task's
 * retry policy, exactly as in the async pool.
 */
export class ChildPool implements AttemptRunner {
  readonly #options: ChildPoolOptions;
  readonly #idle: Member[] = [];
  readonly #members = new Set<Member>();
  readonly #waiting: Array<(member: Member) => void> = [];
  #nextId = 0;
  #closed = false;
  #target: number;

  constructor(options: ChildPoolOptions) {
    this.#options = options;
    this.#target = options.size;
  }

  /** Grows to `size` children at once, or shrinks by retiring children as they become idle. */
  resize(size: number): void {
    const grow = size - this.#live();
    this.#target = size;
    for (let i = 0; i < grow; i++) this.#respawn();
    for (const member of [...this.#idle]) {
      if (this.#live() <= this.#target) break;
      this.#idle.splice(this.#idle.indexOf(member), 1);
      this.#retire(member, false, false);
    }
  }

  /** Children not on their way out. */
  #live(): number {
    let live = 0;
    for (const member of this.#members) if (!member.leaving) live++;
    return live;
  }

  /** Spawns every child and waits until each has loaded the app; rejects if one cannot. */
  async start(): Promise<void> {
    const children = Array.from({ length: this.#options.size }, () => this.#spawn());
    try {
      await Promise.all(children);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Runs one attempt in an idle child (waiting for one being replaced, if need be). */
  async run(task: RegisteredTask, envelope: Envelope, signal: AbortSignal): Promise<Outcome> {
    const member = await this.#takeIdle();
    const id = ++this.#nextId;
    const outcome = new Promise<Outcome>((resolve) => {
      const limit = task.options.timeLimitMs;
      const running: Running = { id, task, envelope, resolve, timer: undefined };
      if (limit !== undefined)
        running.timer = setTimeout(() => this.#overLimit(member, limit), limit);
      member.running = running;
    });
    const onAbort = () => member.child.send({ type: 'abort', id });
    signal.addEventListener('abort', onAbort, { once: true });
    member.child.send({ type: 'run', id, task: task.name, envelope });
    try {
      return await outcome;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Kills the child running task `id`; its attempt fails with TaskRevoked. */
  terminate(id: string): boolean {
    for (const member of this.#members) {
      if (member.running?.envelope.id !== id) continue;
      this.#options.log.warn(
        { child: member.child.label, taskId: id },
        'task revoked with terminate: killing its pool child',
      );
      const error = new TaskRevoked('and terminated while it ran');
      this.#conclude(member, { kind: 'failure', error, reason: 'rejected' });
      this.#retire(member, true);
      return true;
    }
    return false;
  }

  /** Asks every child to exit, then kills those still there after a grace period. */
  async close(): Promise<void> {
    this.#closed = true;
    const gone = [...this.#members].map(
      (member) =>
        new Promise<void>((resolve) => {
          member.child.onExit(() => resolve());
          member.leaving = true;
          member.child.send({ type: 'exit' });
          setTimeout(() => member.child.kill(), CLOSE_GRACE_MS).unref();
        }),
    );
    await Promise.all(gone);
  }

  /** Starts a child and resolves once it is ready and idle. */
  #spawn(): Promise<void> {
    const { kind, appModule, maxMemoryPerChild } = this.#options;
    const member: Member = {
      child: spawnPoolChild(kind, { appModule, measureMemory: maxMemoryPerChild !== undefined }),
      tasksRun: 0,
      running: undefined,
      leaving: false,
    };
    this.#members.add(member);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      member.child.onMessage((message) => {
        if (message.type === 'ready') {
          ready = true;
          this.#release(member);
          resolve();
        } else if (message.type === 'load-failed') {
          member.leaving = true;
          reject(new Error(`a ${kind} pool child could not load ${appModule}: ${message.message}`));
        } else this.#finished(member, message);
      });
      member.child.onExit((how) => {
        this.#gone(member, how);
        if (!ready)
          reject(new Error(`a ${kind} pool child exited (${how}) while loading ${appModule}`));
      });
    });
  }

  #finished(member: Member, message: Extract<FromChild, { type: 'done' }>): void {
    const running = member.running;
    if (!running || running.id !== message.id) return;
    this.#settle(member, fromWireOutcome(message.outcome));
    member.tasksRun++;
    const { maxTasksPerChild, maxMemoryPerChild, log } = this.#options;
    const why = message.tainted
      ? 'its task hit the hard time limit'
      : maxTasksPerChild !== undefined && member.tasksRun >= maxTasksPerChild
        ? `it ran ${member.tasksRun} tasks (max ${maxTasksPerChild})`
        : maxMemoryPerChild !== undefined && message.memory > maxMemoryPerChild
          ? `it uses ${formatMiB(message.memory)} (max ${formatMiB(maxMemoryPerChild)})`
          : undefined;
    if (why === undefined) {
      this.#release(member);
      return;
    }
    log.info({ child: member.child.label }, `replacing a pool child: ${why}`);
    this.#retire(member, message.tainted);
  }

  /** Kills the child of an attempt past its hard limit; the task's policy decides what next. */
  #overLimit(member: Member, limitMs: number): void {
    const running = member.running;
    if (!running) return;
    this.#options.log.warn(
      { child: member.child.label, taskId: running.envelope.id, task: running.task.name },
      `time limit of ${limitMs} ms exceeded: killing the pool child`,
    );
    this.#decide(member, new TimeLimitExceeded(limitMs));
    this.#retire(member, true);
  }

  /** The child is gone: a crash fails or retries its task, and a new child takes its place. */
  #gone(member: Member, how: string): void {
    this.#members.delete(member);
    const idleAt = this.#idle.indexOf(member);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    if (member.running) {
      this.#options.log.error(
        { child: member.child.label, taskId: member.running.envelope.id },
        `a pool child exited (${how}) while running a task`,
      );
      this.#decide(member, new ChildExited(how));
    }
    if (!member.leaving && !this.#closed && this.#live() < this.#target) this.#respawn();
  }

  /** Settles the running attempt with an outcome decided here, stored as the child would have. */
  #decide(member: Member, error: Error): void {
    const running = member.running;
    if (!running) return;
    const { task, envelope } = running;
    const decision = decideRetry(task.options.retry, error, envelope.retries, task.name);
    const outcome: Outcome = decision.retry
      ? { kind: 'retry', delayMs: decision.delayMs, error }
      : { kind: 'failure', error: decision.error ?? error, reason: decision.reason };
    this.#conclude(member, outcome);
  }

  /** Settles the running attempt with `outcome`, stored as the child would have. */
  #conclude(member: Member, outcome: Outcome): void {
    const running = member.running;
    if (!running) return;
    const { task, envelope } = running;
    const { backend, resultTtlMs, log } = this.#options;
    // A pool closing under a running task has returned its message to the queue: the next run
    // owns the result.
    if (backend && !task.options.ignoreResult && !this.#closed)
      void storeOutcome(backend, resultTtlMs, log, envelope, outcome);
    this.#settle(member, outcome);
  }

  #settle(member: Member, outcome: Outcome): void {
    const running = member.running;
    if (!running) return;
    clearTimeout(running.timer);
    member.running = undefined;
    running.resolve(outcome);
  }

  /**
   * Lets a child go: killed at once when its handler may still run, else asked to exit; a new
   * one takes its place unless the pool is shrinking.
   */
  #retire(member: Member, kill: boolean, replace = true): void {
    member.leaving = true;
    if (kill) member.child.kill();
    else member.child.send({ type: 'exit' });
    if (replace && !this.#closed && this.#live() < this.#target) this.#respawn();
  }

  #respawn(): void {
    this.#spawn().catch((error: unknown) => {
      this.#options.log.error(
        { err: error },
        `could not replace a pool child; retrying in ${RESPAWN_DELAY_MS} ms`,
      );
      if (!this.#closed) setTimeout(() => this.#respawn(), RESPAWN_DELAY_MS).unref();
    });
  }

  #release(member: Member): void {
    if (member.leaving || this.#closed) return;
    if (this.#live() > this.#target) {
      this.#retire(member, false, false);
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) waiter(member);
    else this.#idle.push(member);
  }

  #takeIdle(): Promise<Member> {
    const member = this.#idle.shift();
    if (member) return Promise.resolve(member);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
