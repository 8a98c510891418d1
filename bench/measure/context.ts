import type { Redis } from 'ioredis';
import { readProcMemory } from '../child/proc.ts';
import { type ChildConfig, type ChildMode, type ChildReport, now } from '../child/protocol.ts';
import { type ChildRuntime, WorkerProcess, waitForTotal } from '../child/spawn.ts';
import type { Sizes } from '../config.ts';
import type { Producer, System } from '../systems.ts';

/** What every measurement gets from the runner. */
export interface Context {
  sizes: Sizes;
  /** An admin connection for INFO and clean-up. */
  redis: Redis;
  redisUrl: string;
  queue: string;
  /** Progress lines, to stderr. */
  log(line: string): void;
}

/** One measurement run of one system on a fresh key prefix; returns figure values by name. */
export type Measure = (
  system: System,
  ctx: Context,
  prefix: string,
) => Promise<Record<string, number>>;

/** Fails when no task completes for this long: a hung worker must not hang the benchmark. */
const STALL_MS = 60_000;

/** Sends payloads `{ i }` for i in [from, from + count) in bulk calls of `chunk`. */
export async function enqueueRange(
  producer: Producer,
  from: number,
  count: number,
  chunk: number,
): Promise<void> {
  for (let start = from; start < from + count; start += chunk) {
    const end = Math.min(start + chunk, from + count);
    const payloads = [];
    for (let i = start; i < end; i++) payloads.push({ i });
    await producer.enqueueBulk(payloads);
  }
}

/** Throws unless the system holds exactly `expected` unfinished tasks and no failed one. */
export async function expectPending(
  producer: Producer,
  expected: number,
  what: string,
): Promise<void> {
  const [pending, failed] = await Promise.all([producer.pending(), producer.failed()]);
  if (pending !== expected || failed !== 0) {
    throw new Error(
      `${what}: expected ${expected} pending and 0 failed, found ${pending} and ${failed}`,
    );
  }
}

/** Options of one worker phase. */
export interface WorkPhase {
  processes: number;
  concurrency: number;
  mode: ChildMode;
  /** Counted tasks (indexes 0..tasks-1). */
  tasks: number;
  /** Extra warm-up tasks (negative indexes), completed but not sampled. */
  warmups?: number;
  rssMarks?: number[];
  /** Runs once every worker consumes, e.g. a paced producer. */
  whileRunning?: () => Promise<void>;
  /**
   * `node` spawns the system's plain-JavaScript worker under plain node (`tsx`, the default,
   * its TypeScript worker under tsx).
   */
  runtime?: ChildRuntime;
  /** Read each child's memory from /proc: once ready (idle) and after its last completion. */
  memory?: boolean;
}

/** One worker child's memory in bytes, read by the parent from /proc/<pid>/status. */
export interface ChildMemory {
  /** VmRSS once the worker was connected and idle, before it consumed anything. */
  idle: number;
  /** VmHWM (peak RSS since the process started) after the last task completed. */
  peak: number;
}

/** The merged account of a worker phase. */
export interface WorkResult {
  reports: ChildReport[];
  /** Tasks per second from the first worker's start to the last completion. */
  throughput: number;
  samples: number[];
  /** Per child, in spawn order, when the phase asked for `memory`. */
  memory: ChildMemory[];
}

/** Spawns worker children, lets them consume every task, stops them and checks the counts. */
export async function runWorkers(
  system: System,
  ctx: Context,
  prefix: string,
  phase: WorkPhase,
): Promise<WorkResult> {
  const config: ChildConfig = {
    redisUrl: ctx.redisUrl,
    prefix,
    queue: ctx.queue,
    concurrency: phase.concurrency,
    mode: phase.mode,
    tasks: phase.tasks,
    delayMs: ctx.sizes.delayMs,
    rssMarks: phase.rssMarks ?? [],
  };
  const runtime = phase.runtime ?? 'tsx';
  const script = runtime === 'tsx' ? system.workerScript : system.plainWorkerScript;
  const workers = await Promise.all(
    Array.from({ length: phase.processes }, (_, k) =>
      WorkerProcess.spawn(script, config, `${system.name} worker ${k + 1}`, runtime),
    ),
  );
  const idle = phase.memory ? workers.map((w) => readProcMemory(w.pid).rss) : [];
  for (const worker of workers) worker.go();
  const warmups = phase.warmups ?? 0;
  const finished = waitForTotal(workers, phase.tasks + warmups, STALL_MS);
  if (phase.whileRunning) await Promise.race([phase.whileRunning(), finished.then(() => {})]);
  await finished;
  // Still alive and not yet told to stop: the peak covers the start and every task, no shutdown.
  const memory = phase.memory
    ? workers.map((w, k) => ({ idle: idle[k] ?? Number.NaN, peak: readProcMemory(w.pid).peak }))
    : [];
  const reports = await Promise.all(workers.map((worker) => worker.stop()));
  checkReports(system.name, reports, phase.tasks, warmups);
  const startedAt = Math.min(...reports.map((r) => r.startedAt));
  const lastDoneAt = Math.max(...reports.map((r) => r.lastDoneAt));
  return {
    reports,
    throughput: (phase.tasks + warmups) / ((lastDoneAt - startedAt) / 1000),
    samples: reports.flatMap((r) => r.samples),
    memory,
  };
}

/** Throws unless every task ran exactly once, none failed and every completion was seen. */
export function checkReports(
  label: string,
  reports: ChildReport[],
  tasks: number,
  warmups: number,
): void {
  const sum = (pick: (r: ChildReport) => number) => reports.reduce((a, r) => a + pick(r), 0);
  const problems: string[] = [];
  const done = sum((r) => r.done);
  if (done !== tasks + warmups) problems.push(`${done} completions for ${tasks + warmups} tasks`);
  if (sum((r) => r.handled) !== tasks)
    problems.push(`${sum((r) => r.handled)} of ${tasks} handled`);
  if (sum((r) => r.warmups) !== warmups) problems.push(`${sum((r) => r.warmups)} warm-ups`);
  if (sum((r) => r.duplicates) > 0) problems.push(`${sum((r) => r.duplicates)} duplicates`);
  if (sum((r) => r.outOfRange) > 0) problems.push(`${sum((r) => r.outOfRange)} unknown indexes`);
  if (sum((r) => r.indexSum) !== (tasks * (tasks - 1)) / 2) problems.push('index sum is off');
  const failures = sum((r) => r.failures);
  if (failures > 0)
    problems.push(`${failures} failures (${reports.find((r) => r.firstFailure)?.firstFailure})`);
  if (problems.length > 0) throw new Error(`${label}: counts are off: ${problems.join('; ')}`);
}

/** Sends `total` tasks at `rate` per second on an absolute schedule; `send(k)` sends the k-th. */
export async function paced(
  total: number,
  rate: number,
  send: (k: number) => Promise<void>,
): Promise<void> {
  const start = now();
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / rate;
    const wait = due - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await send(k);
  }
}
