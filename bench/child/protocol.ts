/** The task payload both systems carry: an index, and for timing figures the send time (epoch ms). */
export interface Payload {
  i: number;
  t?: number;
}

/** What a worker child records at handler start besides counting. */
export type ChildMode = 'count' | 'latency' | 'delay';

/** Everything a worker child needs, passed as JSON in the BENCH_CHILD environment variable. */
export interface ChildConfig {
  redisUrl: string;
  prefix: string;
  queue: string;
  concurrency: number;
  mode: ChildMode;
  /** Payload indexes run from 0 to tasks - 1; negative ones are warm-up tasks. */
  tasks: number;
  /** The countdown of delayed tasks, to turn their send time into the intended start. */
  delayMs: number;
  /** Completed-task counts at which to read the process RSS. */
  rssMarks: number[];
}

/** A child's final account, sent after its worker stopped. */
export interface ChildReport {
  /** Completions seen (succeeded events), warm-ups included. */
  done: number;
  /** Distinct non-negative indexes handled. */
  handled: number;
  /** Handler calls for an index this process had already handled. */
  duplicates: number;
  /** Handler calls with an index outside 0..tasks-1 and not a warm-up. */
  outOfRange: number;
  warmups: number;
  failures: number;
  firstFailure: string | undefined;
  /** Sum of the distinct indexes handled, to check across processes that each ran once. */
  indexSum: number;
  /** Epoch ms (sub-ms precision) when the worker was told to start consuming. */
  startedAt: number;
  /** Epoch ms of the last completion. */
  lastDoneAt: number;
  /** Latency or signed delay error per task (ms), in the order handled; empty in count mode. */
  samples: number[];
  /** RSS bytes at each of the configured marks reached. */
  rss: number[];
}

/** Child to parent. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'progress'; done: number }
  | { type: 'final'; report: ChildReport }
  | { type: 'error'; message: string };

/** Parent to child. */
export type ParentMessage = { type: 'go' } | { type: 'stop' };

/** Wall-clock ms with sub-ms precision, comparable across processes of one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
