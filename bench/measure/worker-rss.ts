import { deleteByPrefix } from '../redis.ts';
import { type Context, enqueueRange, expectPending, type Measure, runWorkers } from './context.ts';

/** MB in the RSS figures: MiB, 2^20 bytes (/proc gives KiB). */
export const MIB = 2 ** 20;

/** One RSS phase: `n` pre-enqueued tasks through one plain-node worker at `concurrency`. */
async function peakAt(
  system: Parameters<Measure>[0],
  ctx: Context,
  prefix: string,
  concurrency: number,
): Promise<{ idle: number; peak: number; throughput: number }> {
  const n = ctx.sizes.process;
  const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    await enqueueRange(producer, 0, n, ctx.sizes.bulkChunk);
    await expectPending(producer, n, `${system.name} worker_rss c${concurrency} before`);
    const result = await runWorkers(system, ctx, prefix, {
      processes: 1,
      concurrency,
      mode: 'count',
      tasks: n,
      runtime: 'node',
      memory: true,
    });
    await expectPending(producer, 0, `${system.name} worker_rss c${concurrency} after`);
    const [memory] = result.memory;
    if (!memory) throw new Error(`${system.name} worker_rss c${concurrency}: no memory reading`);
    return { ...memory, throughput: result.throughput };
  } finally {
    await producer.close();
    await deleteByPrefix(ctx.redis, prefix);
  }
}

/**
 * `worker_rss_c1_mb`, `worker_rss_c100_mb`: the peak RSS (VmHWM, read by the runner from
 * /proc/<pid>/status) of one worker process after it processed `sizes.process` pre-enqueued
 * tasks at concurrency 1, then a fresh worker at `sizes.concurrency`. The worker is the
 * system's plain-JavaScript child under plain node (Celeriac's built dist/, BullMQ's package),
 * not under tsx, whose transpiler would add its own memory. Also returns each worker's RSS when
 * idle just after its start (`worker_rss_c1_idle_mb`, `worker_rss_c100_idle_mb`): the modules'
 * baseline, reported beside the figures.
 */
export const measureWorkerRss: Measure = async (system, ctx, prefix) => {
  const values: Record<string, number> = {};
  for (const [label, concurrency] of [
    ['c1', 1],
    ['c100', ctx.sizes.concurrency],
  ] as const) {
    // A key prefix per phase (under the run's, and deleted after it), so each worker has its own queue.
    const got = await peakAt(system, ctx, `${prefix}-${label}`, concurrency);
    values[`worker_rss_${label}_mb`] = got.peak / MIB;
    values[`worker_rss_${label}_idle_mb`] = got.idle / MIB;
    ctx.log(
      `  ${system.name} c${concurrency}: idle ${(got.idle / MIB).toFixed(1)} MiB, ` +
        `peak ${(got.peak / MIB).toFixed(1)} MiB, ${Math.round(got.throughput).toLocaleString('en-US')} tasks/s (plain node)`,
    );
  }
  return values;
};
