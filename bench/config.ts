/** Sizes of one benchmark mode; every count is exact and checked after the run. */
export interface Sizes {
  /** Repetitions per figure; each figure reports the median. */
  runs: number;
  enqueueOne: number;
  enqueueBulk: number;
  /** Messages per bulk call, for both systems (1000 was BullMQ's fastest `addBulk` chunk). */
  bulkChunk: number;
  process: number;
  /** Concurrency of the single-process and two-process throughput runs. */
  concurrency: number;
  bytes: number;
  latencyTasks: number;
  /** Tasks sent before the latency samples start, so connection set-up and JIT warm-up stay out. */
  latencyWarmup: number;
  latencyRate: number;
  delayTasks: number;
  delayMs: number;
  /** Send rate of the delayed tasks, so their due times are spread like real countdowns. */
  delayRate: number;
  soakTasks: number;
  /** Completed-task count at which the soak takes its first RSS reading. */
  soakRssMark: number;
  /** CPU-bound tasks per pool run, and the SHA-256 rounds of each. */
  poolCpuTasks: number;
  poolHashRounds: number;
  /** Tasks (each waiting `poolWaitMs`) for the async pool at concurrency `poolWaitTasks`. */
  poolWaitTasks: number;
  poolWaitMs: number;
  /** Rate runs: one 30 s window already averages 2,100 starts. */
  rateRuns: number;
  /** Seconds of steady starts counted against the 70/s limit, and the worker process counts. */
  rateWindowS: number;
  rateProcesses: number[];
  /** Unlimited tasks timed alone and beside a flood of this many 1/s tasks. */
  clogStream: number;
  clogFlood: number;
  /** Worker starts per system behind each cold-start median (one start takes well under 1 s). */
  coldStartRuns: number;
}

/** The full run: the sizes BENCHMARKS.md reports. */
export const FULL: Sizes = {
  runs: 3,
  enqueueOne: 100_000,
  enqueueBulk: 100_000,
  bulkChunk: 1000,
  process: 100_000,
  concurrency: 100,
  bytes: 1_000_000,
  latencyTasks: 1000,
  latencyWarmup: 50,
  latencyRate: 100,
  delayTasks: 1000,
  delayMs: 2000,
  delayRate: 500,
  soakTasks: 1_000_000,
  soakRssMark: 100_000,
  poolCpuTasks: 200,
  poolHashRounds: 20_000,
  poolWaitTasks: 200,
  poolWaitMs: 1000,
  rateRuns: 1,
  rateWindowS: 30,
  rateProcesses: [1, 2, 4],
  clogStream: 20_000,
  clogFlood: 2000,
  coldStartRuns: 15,
};

/** The smoke test: one run of every figure (three worker starts for cold start) at small sizes. */
export const QUICK: Sizes = {
  ...FULL,
  runs: 1,
  enqueueOne: 2000,
  enqueueBulk: 2000,
  process: 2000,
  bytes: 100_000,
  latencyTasks: 200,
  latencyWarmup: 20,
  delayTasks: 200,
  soakTasks: 20_000,
  soakRssMark: 2000,
  poolCpuTasks: 20,
  poolHashRounds: 2000,
  poolWaitTasks: 50,
  poolWaitMs: 200,
  rateWindowS: 3,
  rateProcesses: [1, 2],
  clogStream: 2000,
  clogFlood: 200,
  coldStartRuns: 3,
};

/** Where both systems run; the benchmark only touches keys under its own prefixes. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
/** The queue name both systems use. */
export const QUEUE = 'bench';

/** Parsed command line. */
export interface Args {
  quick: boolean;
  /** Skip the Celeriac soak (Redis memory return and worker RSS over a long run). */
  soak: boolean;
  /** Skip the pool measurements (threads and process CPU scaling, async IO overlap). */
  pools: boolean;
  /** Skip the rate-limit measurements (a 70/s limit across processes, never-clog). */
  rates: boolean;
  /**
   * Run only these: measurement ids or figure names from bench/figures.ts, or `floor`, `soak`,
   * `pools`, `rate`; for working on one figure.
   */
  only: Set<string> | undefined;
  out: string | undefined;
  /** Overrides the number of runs per figure (median of these). */
  runs: number | undefined;
  /** An earlier results JSON to print this run's figures beside (bench/compare.ts). */
  compare: string | undefined;
}

const USAGE =
  'usage: npm run bench -- [--quick] [--no-soak | --soak-only] [--no-pools] [--no-rates] [--only id,id] [--runs n] [--out file.json] [--compare earlier.json]';

/**
 * Parses `--quick`, `--no-soak`, `--soak-only`, `--no-pools`, `--no-rates`, `--only a,b`,
 * `--runs n`, `--out path` and `--compare path`.
 */
export function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    soak: true,
    pools: true,
    rates: true,
    only: undefined,
    out: undefined,
    runs: undefined,
    compare: undefined,
  };
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--no-soak') args.soak = false;
    else if (arg === '--no-pools') args.pools = false;
    else if (arg === '--no-rates') args.rates = false;
    else if (arg === '--soak-only') args.only = new Set(['soak']);
    else if (arg === '--only' && argv[k + 1]) args.only = new Set(argv[++k]?.split(','));
    else if (arg === '--out' && argv[k + 1]) args.out = argv[++k];
    else if (arg === '--runs' && Number.isInteger(Number(argv[k + 1])) && Number(argv[k + 1]) >= 1)
      args.runs = Number(argv[++k]);
    else if (arg === '--compare' && argv[k + 1]) args.compare = argv[++k];
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return args;
}
