import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { createApp } from '../../src/index.ts';
import { median } from '../stats.ts';

const CLI = ['--import', 'tsx', new URL('../../src/cli/bin.ts', import.meta.url).pathname];
const TASKS = new URL('../celeriac/rate-tasks.ts', import.meta.url).pathname;
const QUEUE = 'bench-rate';
/**
 * Starts in the first 3 s are left out: the burst and the workers warming up (late starts of
 * the first second would otherwise spill into the window and count twice the rate there).
 */
const SETTLE_MS = 3000;
/** The limit the benchmark holds the cluster to, in starts per second. */
const RATE = 70;

/** Sizes of the rate measurements. */
export interface RateSizes {
  runs: number;
  /** Seconds of steady starts counted per process count. */
  windowS: number;
  processes: number[];
  /** Unlimited tasks timed alone and beside the flood; 1/s tasks in the flood. */
  streamTasks: number;
  floodTasks: number;
}

/** What the rate measurements found (Celeriac only: BullMQ's limiter is per queue). */
export interface RatesResult {
  limit: number;
  windowS: number;
  /** Measured starts per second against the limit, by worker process count. */
  measured: Array<{ processes: number; rate: number }>;
  streamTasks: number;
  floodTasks: number;
  aloneRate: number;
  besideFloodRate: number;
}

/** The goal: the measured rate within ±10% of the limit, and the stream ≥0.9× beside a flood. */
export const RATE_TOLERANCE = 0.1;
export const NEVER_CLOG_GOAL = 0.9;

/** Measures a 70/s limit across 1, 2 and 4 worker processes, and the never-clog ratio. */
export async function measureRates(
  sizes: RateSizes,
  redis: Redis,
  redisUrl: string,
  freshPrefix: () => string,
  log: (line: string) => void,
): Promise<RatesResult> {
  const measured: RatesResult['measured'] = [];
  for (const processes of sizes.processes) {
    const rates: number[] = [];
    for (let run = 1; run <= sizes.runs; run++) {
      const rate = await measuredRate(
        processes,
        RATE,
        sizes.windowS,
        redis,
        redisUrl,
        freshPrefix(),
      );
      rates.push(rate);
      log(
        `rate run ${run}/${sizes.runs}: ${processes} process(es) ${rate.toFixed(2)} starts/s (limit ${RATE}/s)`,
      );
    }
    measured.push({ processes, rate: median(rates) });
  }
  const alone: number[] = [];
  const beside: number[] = [];
  for (let run = 1; run <= sizes.runs; run++) {
    alone.push(await streamRate(sizes.streamTasks, 0, redisUrl, freshPrefix()));
    beside.push(await streamRate(sizes.streamTasks, sizes.floodTasks, redisUrl, freshPrefix()));
    log(
      `never-clog run ${run}/${sizes.runs}: stream alone ${alone.at(-1)?.toFixed(0)}/s, beside a 1/s flood ${beside.at(-1)?.toFixed(0)}/s`,
    );
  }
  return {
    limit: RATE,
    windowS: sizes.windowS,
    measured,
    streamTasks: sizes.streamTasks,
    floodTasks: sizes.floodTasks,
    aloneRate: median(alone),
    besideFloodRate: median(beside),
  };
}

function brokerUrl(redisUrl: string, prefix: string): string {
  return `${redisUrl.split('?')[0]}?prefix=${prefix}`;
}

/** Starts `processes` CLI workers on the limited task and counts their starts over the window. */
async function measuredRate(
  processes: number,
  limit: number,
  windowS: number,
  redis: Redis,
  redisUrl: string,
  prefix: string,
): Promise<number> {
  const url = brokerUrl(redisUrl, prefix);
  const startsKey = `${prefix}:bench-starts`;
  const app = createApp({ broker: url, defaultQueue: QUEUE, logLevel: 'silent' }, {});
  // Enough for the whole window and a margin: the queue never runs dry while counting.
  const tasks = Math.ceil(limit * (windowS + 5));
  await app.sendMany(
    'bench.limited',
    Array.from({ length: tasks }, () => []),
    {},
  );
  const env = {
    BENCH_RATE_STARTS: startsKey,
    BENCH_REDIS_URL: redisUrl,
    BENCH_RATE_LIMIT: `${limit}/s`,
  };
  const children = Array.from({ length: processes }, () => spawnWorker(url, env));
  try {
    const first = await waitFor(async () => {
      const head = await redis.lindex(startsKey, 0);
      return head === null ? undefined : Number.parseInt(head, 10);
    });
    const from = first + SETTLE_MS;
    const to = from + windowS * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, to - Date.now() + 500)));
    const records = await redis.lrange(startsKey, 0, -1);
    if (process.env.BENCH_RATE_DUMP) writeFileSync(process.env.BENCH_RATE_DUMP, records.join('\n'));
    const starts = records.map((r) => Number.parseInt(r, 10));
    return starts.filter((t) => t >= from && t < to).length / windowS;
  } finally {
    await Promise.all(children.map(stopWorker));
    await app.close();
  }
}

/** Unlimited tasks per second on one worker (concurrency 4), with `flood` 1/s tasks queued first. */
async function streamRate(
  stream: number,
  flood: number,
  redisUrl: string,
  prefix: string,
): Promise<number> {
  const url = brokerUrl(redisUrl, prefix);
  const app = createApp(
    { broker: url, defaultQueue: QUEUE, ignoreResult: true, logLevel: 'silent' },
    {},
  );
  const free = app.task('bench.free', async () => undefined);
  const floodTask = app.task('bench.flood', { rateLimit: '1/s' }, async () => undefined);
  if (flood > 0) await floodTask.delayMany(Array.from({ length: flood }, () => []));
  await free.delayMany(Array.from({ length: stream }, () => []));
  const w = app.worker({ concurrency: 4, queues: [QUEUE] });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  w.events.on('task:succeeded', (event) => {
    if (event.task === 'bench.free' && ++done === stream) finish();
  });
  const started = performance.now();
  await w.start();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await w.stopNow();
  await app.close();
  return stream / seconds;
}

function spawnWorker(url: string, env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    [...CLI, 'worker', '-A', TASKS, '-b', url, '-c', '8', '-Q', QUEUE, '-l', 'warn'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls `probe` every 20 ms until it yields a value (60 s at most). */
async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('no rate-limited task started within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The rate lines of the report. */
export function formatRates(result: RatesResult): string {
  const lines = [
    `Rate limits (Celeriac only): a ${result.limit}/s limit shared by worker processes, counted over ${result.windowS} s`,
  ];
  for (const { processes, rate } of result.measured) {
    const off = Math.abs(rate / result.limit - 1);
    const met = off <= RATE_TOLERANCE ? 'met' : 'NOT met';
    lines.push(
      `  ${processes} process(es): ${rate.toFixed(2)} starts/s (${((rate / result.limit - 1) * 100).toFixed(1)}%; goal ±${RATE_TOLERANCE * 100}%: ${met})`,
    );
  }
  const ratio = result.besideFloodRate / result.aloneRate;
  lines.push(
    `  never clog: ${result.streamTasks} unlimited tasks on one worker (concurrency 4) ran at ` +
      `${result.aloneRate.toFixed(0)}/s alone and ${result.besideFloodRate.toFixed(0)}/s with ` +
      `${result.floodTasks} 1/s tasks queued before them (${ratio.toFixed(2)}×; goal ≥${NEVER_CLOG_GOAL}×: ${ratio >= NEVER_CLOG_GOAL ? 'met' : 'NOT met'})`,
  );
  return lines.join('\n');
}
