import { usedMemory } from '../redis.ts';
import { enqueueRange, expectPending, type Measure } from './context.ts';

/** `bytes_per_queued_task`: Redis used_memory growth over n bulk-enqueued tasks, per task. */
export const measureBytes: Measure = async (system, ctx, prefix) => {
  const n = ctx.sizes.bytes;
  // Connected before the first reading, so only the queued tasks make the difference.
  const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    const before = await usedMemory(ctx.redis);
    await enqueueRange(producer, 0, n, ctx.sizes.bulkChunk);
    const after = await usedMemory(ctx.redis);
    await expectPending(producer, n, `${system.name} bytes_per_queued_task`);
    return { bytes_per_queued_task: (after - before) / n };
  } finally {
    await producer.close();
  }
};
