/**
 * Celeriac vs BullMQ on the same Redis: `npm run bench` (full), `-- --quick` (smoke test),
 * `-- --no-soak`, `-- --soak-only`, `-- --no-pools`, `-- --no-rates`, `-- --only id,id`,
 * `-- --out file.json`, `-- --compare earlier.json`. See BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WorkerProcess } from './child/spawn.ts';
import { compareResults, formatComparison, readResults } from './compare.ts';
import { FULL, parseArgs, QUEUE, QUICK, REDIS_URL } from './config.ts';
import {
  FIGURES,
  FLOOR_BOUND,
  MEASUREMENTS,
  type MeasurementDef,
  selects,
  unknownNames,
} from './figures.ts';
import type { Context } from './measure/context.ts';
import { measurePingFloor, type PingFloor } from './measure/floor.ts';
import { formatPools, measurePools, type PoolsResult } from './measure/pools.ts';
import { formatRates, measureRates, type RatesResult } from './measure/rates.ts';
import { measureSoak, type SoakResult } from './measure/soak.ts';
import { deleteByPrefix, deleteMatching, machineLine } from './redis.ts';
import {
  type FigureResult,
  formatDetails,
  formatFloor,
  formatSoak,
  formatSpread,
  formatTable,
  writeResults,
} from './report.ts';
import { median } from './stats.ts';
import { SYSTEMS, type System } from './systems.ts';

/** The command line, checked, and the earlier results of `--compare`; exits 2 on a bad one. */
function readCommandLine() {
  try {
    const args = parseArgs(process.argv.slice(2));
    const unknown = args.only ? unknownNames(args.only) : [];
    if (unknown.length > 0) {
      const ids = MEASUREMENTS.map((m) => m.id).join(', ');
      throw new Error(
        `--only: unknown ${unknown.join(', ')}; give measurement ids (${ids}), figure names, or floor, soak, pools, rate`,
      );
    }
    // Read before measuring: a bad file must fail now, not after the run.
    const earlier = args.compare ? readResults(args.compare) : undefined;
    return { args, earlier };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

const { args, earlier } = readCommandLine();
const selected = MEASUREMENTS.filter((m) => selects(args.only, m));
const sizes = { ...(args.quick ? QUICK : FULL), ...(args.runs ? { runs: args.runs } : {}) };
// Every key of this run starts with the root, so a final sweep finds what a crash left behind.
const root = `cbench-${process.pid}-${randomBytes(3).toString('hex')}`;
let prefixCount = 0;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
const log = (line: string) => process.stderr.write(`${line}\n`);
const ctx: Context = { sizes, redis, redisUrl: REDIS_URL, queue: QUEUE, log };

/** Runs `body` on a fresh prefix and deletes that prefix's keys afterwards, whatever happens. */
async function onFreshPrefix<T>(system: System, id: string, body: (p: string) => Promise<T>) {
  const prefix = `${root}-${++prefixCount}-${system.name}-${id}`;
  try {
    return await body(prefix);
  } finally {
    WorkerProcess.killAll();
    await deleteByPrefix(redis, prefix);
  }
}

type Values = Map<string, { celeriac: number[]; bullmq: number[] }>;

/** Medians and ranges of the named values, in the given order, for those measured. */
function summarize(values: Values, defs: Array<{ name: string; unit: string }>): FigureResult[] {
  return defs.flatMap((f) => {
    const entry = values.get(f.name);
    if (!entry) return [];
    const celeriac = median(entry.celeriac);
    const bullmq = median(entry.bullmq);
    const range = (v: number[]): [number, number] => [Math.min(...v), Math.max(...v)];
    return [
      {
        name: f.name,
        celeriac,
        bullmq,
        unit: f.unit,
        ratio: celeriac / bullmq,
        runs: entry.celeriac.length,
        range: { celeriac: range(entry.celeriac), bullmq: range(entry.bullmq) },
      },
    ];
  });
}

async function runFigures(): Promise<{ figures: FigureResult[]; details: FigureResult[] }> {
  const values: Values = new Map();
  const record = (name: string, system: System, value: number | undefined): number => {
    if (value === undefined || !Number.isFinite(value) || value <= 0)
      throw new Error(`${system.name} ${name}: not a positive number (${value})`);
    const entry = values.get(name) ?? { celeriac: [], bullmq: [] };
    entry[system.name].push(value);
    values.set(name, entry);
    return value;
  };
  for (const m of selected) {
    const runs = args.runs ?? m.runs?.(sizes) ?? sizes.runs;
    const started = Date.now();
    for (let run = 1; run <= runs; run++) {
      // Alternate which system goes first, so neither always gets the warmer machine.
      const order = run % 2 === 1 ? SYSTEMS : [...SYSTEMS].reverse();
      for (const system of order) {
        const got = await onFreshPrefix(system, m.id, (p) => m.measure(system, ctx, p));
        const details = (m.details ?? [])
          .map((d) => `${d.name} = ${record(d.name, system, got[d.name]).toFixed(2)}`)
          .join(', ');
        for (const name of m.figures) {
          const value = record(name, system, got[name]);
          log(
            `${m.id} run ${run}/${runs} ${system.name}: ${name} = ${value.toFixed(2)}` +
              (details && name === m.figures.at(-1) ? ` (${details})` : ''),
          );
        }
      }
    }
    log(`${m.id}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return {
    figures: summarize(values, FIGURES),
    details: summarize(
      values,
      selected.flatMap((m) => m.details ?? []),
    ),
  };
}

/** Whether this run measures the floor: always unless `--only` leaves out every figure bound by it. */
function wantsFloor(measurements: MeasurementDef[]): boolean {
  if (!args.only) return true;
  return (
    args.only.has('floor') ||
    measurements.some((m) => m.figures.some((f) => FLOOR_BOUND.includes(f)))
  );
}

/**
 * The awaited-PING rates (median of the runs): measured whenever a figure whose goal is a share
 * of the floor is (also with --only), since those goals need the floor of the same run.
 */
async function runFloor(): Promise<PingFloor | undefined> {
  if (!wantsFloor(selected)) return undefined;
  const floors: PingFloor[] = [];
  for (let run = 1; run <= sizes.runs; run++) {
    const floor = await measurePingFloor(REDIS_URL, sizes.enqueueOne);
    floors.push(floor);
    log(
      `floor run ${run}/${sizes.runs}: ioredis ${floor.ioredis.toFixed(2)}, socket ${floor.socket.toFixed(2)}`,
    );
  }
  return {
    ioredis: median(floors.map((f) => f.ioredis)),
    socket: median(floors.map((f) => f.socket)),
  };
}

async function runPools(): Promise<PoolsResult | undefined> {
  if (!args.pools || (args.only && !args.only.has('pools'))) return undefined;
  log('pools: threads and process CPU scaling, async IO overlap (Celeriac only)');
  return measurePools(
    {
      runs: sizes.runs,
      cpuTasks: sizes.poolCpuTasks,
      hashRounds: sizes.poolHashRounds,
      waitTasks: sizes.poolWaitTasks,
      waitMs: sizes.poolWaitMs,
    },
    log,
  );
}

async function runRates(): Promise<RatesResult | undefined> {
  if (!args.rates || (args.only && !args.only.has('rate'))) return undefined;
  log('rate: a 70/s limit across worker processes, and never-clog (Celeriac only)');
  const celeriac = SYSTEMS.find((s) => s.name === 'celeriac') as System;
  const prefixes: string[] = [];
  try {
    return await measureRates(
      {
        runs: args.runs ?? sizes.rateRuns,
        windowS: sizes.rateWindowS,
        processes: sizes.rateProcesses,
        streamTasks: sizes.clogStream,
        floodTasks: sizes.clogFlood,
      },
      redis,
      REDIS_URL,
      () => {
        const prefix = `${root}-${++prefixCount}-${celeriac.name}-rate`;
        prefixes.push(prefix);
        return prefix;
      },
      log,
    );
  } finally {
    for (const prefix of prefixes) await deleteByPrefix(redis, prefix);
  }
}

async function runSoak(): Promise<SoakResult | undefined> {
  if (!args.soak || (args.only && !args.only.has('soak'))) return undefined;
  const celeriac = SYSTEMS.find((s) => s.name === 'celeriac') as System;
  log(`soak: ${sizes.soakTasks.toLocaleString('en-US')} Celeriac tasks`);
  return onFreshPrefix(celeriac, 'soak', (p) => measureSoak(celeriac, ctx, p));
}

/** The commit measured, marked when the work tree had changes (others edit src/ meanwhile). */
function commitLine(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch (error) {
    log(`could not read the git commit: ${(error as Error).message}`);
    return 'unknown';
  }
}

/** Runs a section and logs how long it took when it ran (it returns undefined when skipped). */
async function timed<T>(label: string, section: () => Promise<T | undefined>) {
  const started = Date.now();
  const result = await section();
  if (result !== undefined) log(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function cleanUp(): Promise<void> {
  WorkerProcess.killAll();
  const left = await deleteMatching(redis, `${root}-*`);
  if (left > 0) log(`cleaned up ${left} leftover keys under ${root}-*`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    cleanUp()
      .catch((error) => log(`clean-up failed: ${(error as Error).message}`))
      .finally(() => process.exit(130));
  });
}

try {
  const machine = await machineLine(redis);
  let commit = commitLine();
  log(`machine: ${machine}`);
  log(`commit: ${commit}`);
  log(
    `mode: ${args.quick ? 'quick' : 'full'}, ${sizes.runs} run(s) per figure, keys under ${root}-*`,
  );
  const started = Date.now();
  const pingFloor = await timed('floor', runFloor);
  const { figures, details } = await runFigures();
  const soak = await timed('soak', runSoak);
  const pools = await timed('pools', runPools);
  const rates = await timed('rate', runRates);
  // Worker children load src/ when spawned: a change during the run mixes code versions.
  const commitAtEnd = commitLine();
  if (commitAtEnd !== commit) {
    commit = `${commit}, then ${commitAtEnd}: src/ changed during the run`;
    log(`warning: ${commit}`);
  }
  console.log(`machine: ${machine}`);
  console.log(`commit: ${commit}`);
  // Some measurements (cold start) take more runs than the rest.
  const otherRuns = figures.filter((f) => f.runs !== sizes.runs);
  const runsNote = otherRuns.map((f) => `, ${f.runs} for ${f.name}`).join('');
  console.log(`median of ${sizes.runs} run(s)${runsNote}; ratio = celeriac / bullmq\n`);
  if (figures.length > 0) {
    console.log(formatTable(figures, pingFloor));
    console.log(`\nlowest and highest run behind each median:\n${formatSpread(figures)}`);
  }
  if (details.length > 0)
    console.log(`\nmeasured beside the figures (no goal):\n${formatDetails(details)}`);
  if (pingFloor) console.log(`\n${formatFloor(pingFloor, figures)}`);
  if (soak) console.log(`\n${formatSoak(soak)}`);
  if (pools) console.log(`\n${formatPools(pools)}`);
  if (rates) console.log(`\n${formatRates(rates)}`);
  if (earlier && args.compare) {
    const comparisons = compareResults(earlier, { figures });
    console.log(
      `\n${formatComparison(comparisons, earlier, { mode: args.quick ? 'quick' : 'full', machine, floor: pingFloor }, args.compare)}`,
    );
  }
  console.log(`\ntotal time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const defaultOut = args.only || args.runs ? undefined : args.quick ? 'quick.json' : 'latest.json';
  const out =
    args.out ?? (defaultOut && fileURLToPath(new URL(`./results/${defaultOut}`, import.meta.url)));
  if (out) {
    writeResults(out, {
      machine,
      commit,
      mode: args.quick ? 'quick' : 'full',
      runs: sizes.runs,
      figures,
      ...(details.length > 0 ? { details } : {}),
      ...(pingFloor ? { floor: pingFloor } : {}),
      ...(soak ? { soak } : {}),
      ...(pools ? { pools } : {}),
      ...(rates ? { rates } : {}),
    });
    log(`results written to ${out}`);
  }
} catch (error) {
  log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
  await redis.quit();
}
