import { now } from '../child/protocol.ts';
import { type Context, enqueueRange, expectPending, type Measure } from './context.ts';

/**
 * Un-timed sends first, so connection set-up, script loading and JIT warm-up stay out (on the
 * reference machine one-by-one sends took about 5,000 calls to reach their steady rate).
 */
function warmupCount(n: number): number {
  return Math.min(5000, Math.ceil(n / 10));
}

/** `enqueue_one`: n sends, each awaited before the next. */
export const measureEnqueueOne: Measure = async (system, ctx: Context, prefix) => {
  const n = ctx.sizes.enqueueOne;
  const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    const warm = warmupCount(n);
    for (let k = 1; k <= warm; k++) await producer.enqueueOne({ i: -k });
    const start = now();
    for (let i = 0; i < n; i++) await producer.enqueueOne({ i });
    const seconds = (now() - start) / 1000;
    await expectPending(producer, n + warm, `${system.name} enqueue_one`);
    return { enqueue_one: n / seconds };
  } finally {
    await producer.close();
  }
};

/** `enqueue_bulk`: n sends in bulk calls of `bulkChunk`, one call at a time. */
export const measureEnqueueBulk: Measure = async (system, ctx, prefix) => {
  const n = ctx.sizes.enqueueBulk;
  const chunk = ctx.sizes.bulkChunk;
  const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    const warm = warmupCount(n);
    await enqueueRange(producer, -warm, warm, chunk);
    const start = now();
    await enqueueRange(producer, 0, n, chunk);
    const seconds = (now() - start) / 1000;
    await expectPending(producer, n + warm, `${system.name} enqueue_bulk`);
    return { enqueue_bulk: n / seconds };
  } finally {
    await producer.close();
  }
};
