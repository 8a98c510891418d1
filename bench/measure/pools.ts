import { app, hash, wait } from '../celeriac/pool-tasks.ts';
import { now } from '../child/protocol.ts';
import { median } from '../stats.ts';
import { bareHashRate } from './bare-scaling.ts';

const MODULE = new URL('../celeriac/pool-tasks.ts', import.meta.url);

/** Sizes of the pool measurements. */
export interface PoolSizes {
  runs: number;
  cpuTasks: number;
  hashRounds: number;
  waitTasks: number;
  waitMs: number;
}

/** CPU-bound throughput of one pool at 1 and 2 slots. */
export interface CpuFigure {
  pool: 'threads' | 'process';
  oneSlot: number;
  twoSlots: number;
}

/** What the pool measurements found (Celeriac only: BullMQ has no such pools to compare). */
export interface PoolsResult {
  hashRounds: number;
  cpuTasks: number;
  cpu: CpuFigure[];
  /** The same work in 1 and in 2 plain Node processes: the machine's own scaling. */
  bare: { oneSlot: number; twoSlots: number };
  /** Seconds the async pool at concurrency `waitTasks` took for `waitTasks` tasks of `waitMs`. */
  waitTasks: number;
  waitMs: number;
  waitSeconds: number;
}

/** The goal on the 2-slot / 1-slot ratio of CPU-bound work on this 2-core machine. */
export const CPU_SCALING_GOAL = 1.7;

/** Runs `count` tasks on a started worker and returns the seconds from send to last finish. */
async function timeTasks(
  options: Parameters<typeof app.worker>[0],
  send: () => Promise<unknown>,
  count: number,
): Promise<number> {
  const worker = app.worker({ ...options, queues: ['pools'] });
  await worker.start();
  let done = 0;
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  worker.events.on('task:succeeded', () => {
    if (++done === count) finish();
  });
  worker.events.on('task:failed', (event) =>
    fail(new Error(`a pool task failed: ${event.reason}`)),
  );
  const start = now();
  await send();
  await finished;
  const seconds = (now() - start) / 1000;
  await worker.stop();
  return seconds;
}

async function cpuRate(pool: 'threads' | 'process', slots: number, sizes: PoolSizes) {
  const args = Array.from({ length: sizes.cpuTasks }, () => [sizes.hashRounds] as [number]);
  const seconds = await timeTasks(
    { pool, concurrency: slots, appModule: MODULE },
    () => hash.delayMany(args),
    sizes.cpuTasks,
  );
  return sizes.cpuTasks / seconds;
}

/** Measures CPU scaling of the threads and process pools and the async pool's IO overlap. */
export async function measurePools(
  sizes: PoolSizes,
  log: (line: string) => void,
): Promise<PoolsResult> {
  await app.connect();
  const cpu: CpuFigure[] = [];
  const bareOne: number[] = [];
  const bareTwo: number[] = [];
  for (let run = 1; run <= sizes.runs; run++) {
    bareOne.push(await bareHashRate(1, sizes.cpuTasks, sizes.hashRounds));
    bareTwo.push(await bareHashRate(2, sizes.cpuTasks, sizes.hashRounds));
    log(
      `pools run ${run}/${sizes.runs} bare: 1 process ${bareOne.at(-1)?.toFixed(1)}/s, 2 processes ${bareTwo.at(-1)?.toFixed(1)}/s`,
    );
  }
  for (const pool of ['threads', 'process'] as const) {
    const one: number[] = [];
    const two: number[] = [];
    for (let run = 1; run <= sizes.runs; run++) {
      one.push(await cpuRate(pool, 1, sizes));
      two.push(await cpuRate(pool, 2, sizes));
      log(
        `pools run ${run}/${sizes.runs} ${pool}: 1 slot ${one.at(-1)?.toFixed(1)}/s, 2 slots ${two.at(-1)?.toFixed(1)}/s`,
      );
    }
    cpu.push({ pool, oneSlot: median(one), twoSlots: median(two) });
  }
  const waits: number[] = [];
  for (let run = 1; run <= sizes.runs; run++) {
    const args = Array.from({ length: sizes.waitTasks }, () => [sizes.waitMs] as [number]);
    waits.push(
      await timeTasks(
        { pool: 'async', concurrency: sizes.waitTasks },
        () => wait.delayMany(args),
        sizes.waitTasks,
      ),
    );
    log(
      `pools run ${run}/${sizes.runs} async: ${sizes.waitTasks} waits took ${waits.at(-1)?.toFixed(3)} s`,
    );
  }
  await app.close();
  return {
    hashRounds: sizes.hashRounds,
    cpuTasks: sizes.cpuTasks,
    cpu,
    bare: { oneSlot: median(bareOne), twoSlots: median(bareTwo) },
    waitTasks: sizes.waitTasks,
    waitMs: sizes.waitMs,
    waitSeconds: median(waits),
  };
}

/** The pool lines of the report. */
export function formatPools(result: PoolsResult): string {
  const lines = [
    `Pools (Celeriac only): ${result.cpuTasks} CPU-bound tasks of ${result.hashRounds.toLocaleString('en-US')} SHA-256 rounds`,
  ];
  for (const f of result.cpu) {
    const ratio = f.twoSlots / f.oneSlot;
    const met = ratio >= CPU_SCALING_GOAL ? 'met' : 'NOT met';
    lines.push(
      `  ${f.pool}: 1 slot ${f.oneSlot.toFixed(1)} tasks/s, 2 slots ${f.twoSlots.toFixed(1)} tasks/s ` +
        `(${ratio.toFixed(2)}×; goal ≥${CPU_SCALING_GOAL}×: ${met})`,
    );
  }
  const bare = result.bare.twoSlots / result.bare.oneSlot;
  lines.push(
    `  the machine itself (plain node processes, no Celeriac): 1 process ${result.bare.oneSlot.toFixed(1)} tasks/s, ` +
      `2 processes ${result.bare.twoSlots.toFixed(1)} tasks/s (${bare.toFixed(2)}×)`,
  );
  lines.push(
    `  async, concurrency ${result.waitTasks}: ${result.waitTasks} tasks that each wait ${result.waitMs} ms ` +
      `finished in ${result.waitSeconds.toFixed(3)} s`,
  );
  return lines.join('\n');
}
