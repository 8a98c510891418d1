import { keysUnder, usedMemory } from '../redis.ts';
import type { System } from '../systems.ts';
import { type Context, enqueueRange, expectPending, runWorkers } from './context.ts';

/** What the Celeriac soak found; printed, not compared with BullMQ. */
export interface SoakResult {
  tasks: number;
  /** Redis used_memory before the tasks were queued and after all were processed. */
  memoryBefore: number;
  memoryAfter: number;
  /** Keys left under the soak's prefix afterwards and their MEMORY USAGE. */
  keysLeft: string[];
  bytesLeft: number;
  rssMark: number;
  /** Worker RSS after the mark-th and after the last task. */
  rssAtMark: number;
  rssAtEnd: number;
  throughput: number;
}

/** Largest used_memory change accepted after the soak. */
export const SOAK_MEMORY_TOLERANCE = 2 ** 20;
/** Largest relative RSS growth accepted between the mark and the end. */
export const SOAK_RSS_TOLERANCE = 0.2;

/**
 * Queues `soakTasks` tasks, processes them with one worker (results ignored), then checks that
 * Redis gave the memory back and the worker's RSS stayed flat.
 */
export async function measureSoak(
  celeriac: System,
  ctx: Context,
  prefix: string,
): Promise<SoakResult> {
  const n = ctx.sizes.soakTasks;
  const mark = ctx.sizes.soakRssMark;
  const producer = await celeriac.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    const memoryBefore = await usedMemory(ctx.redis);
    await enqueueRange(producer, 0, n, ctx.sizes.bulkChunk);
    ctx.log(`  queued ${n.toLocaleString('en-US')} tasks`);
    const result = await runWorkers(celeriac, ctx, prefix, {
      processes: 1,
      concurrency: ctx.sizes.concurrency,
      mode: 'count',
      tasks: n,
      rssMarks: [mark, n],
    });
    await expectPending(producer, 0, 'celeriac soak');
    const memoryAfter = await usedMemory(ctx.redis);
    const left = await keysUnder(ctx.redis, prefix);
    const [rssAtMark = Number.NaN, rssAtEnd = Number.NaN] = result.reports[0]?.rss ?? [];
    return {
      tasks: n,
      memoryBefore,
      memoryAfter,
      keysLeft: left.keys,
      bytesLeft: left.bytes,
      rssMark: mark,
      rssAtMark,
      rssAtEnd,
      throughput: result.throughput,
    };
  } finally {
    await producer.close();
  }
}

/** Whether the soak met both its goals. */
export function soakVerdict(soak: SoakResult): { memory: boolean; rss: boolean } {
  return {
    memory: Math.abs(soak.memoryAfter - soak.memoryBefore) <= SOAK_MEMORY_TOLERANCE,
    rss: Math.abs(soak.rssAtEnd / soak.rssAtMark - 1) <= SOAK_RSS_TOLERANCE,
  };
}
