import { type Context, enqueueRange, expectPending, type Measure, runWorkers } from './context.ts';

/** A throughput measurement: n pre-enqueued tasks, `processes` workers at `concurrency`. */
function measureProcess(figure: string, processes: number, concurrency: (ctx: Context) => number) {
  const measure: Measure = async (system, ctx, prefix) => {
    const n = ctx.sizes.process;
    const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
    try {
      await enqueueRange(producer, 0, n, ctx.sizes.bulkChunk);
      await expectPending(producer, n, `${system.name} ${figure} before`);
      const result = await runWorkers(system, ctx, prefix, {
        processes,
        concurrency: concurrency(ctx),
        mode: 'count',
        tasks: n,
      });
      await expectPending(producer, 0, `${system.name} ${figure} after`);
      return { [figure]: result.throughput };
    } finally {
      await producer.close();
    }
  };
  return measure;
}

/** `process_c1_1proc`: one worker process at concurrency 1. */
export const measureProcessC1 = measureProcess('process_c1_1proc', 1, () => 1);
/** `process_c100_1proc`: one worker process at concurrency 100. */
export const measureProcessC100 = measureProcess(
  'process_c100_1proc',
  1,
  (ctx) => ctx.sizes.concurrency,
);
/** `process_2proc`: two worker processes at concurrency 100 each. */
export const measureProcess2 = measureProcess('process_2proc', 2, (ctx) => ctx.sizes.concurrency);
