import { setTimeout as sleep } from 'node:timers/promises';
import { now } from '../child/protocol.ts';
import type { Sizes } from '../config.ts';
import { percentile } from '../stats.ts';
import { expectPending, type Measure, paced, runWorkers } from './context.ts';

/** Lets an idle worker reach its blocking wait before the first send. */
const SETTLE_MS = 300;

/**
 * A latency measurement: ms from send to handler start at a steady rate (`latencyRate`), the
 * producer here and one worker child at `concurrency` in its own process, idle and already
 * running; the first `latencyWarmup` tasks are not sampled. Yields `<figure>_p50` and `<figure>_p99`.
 */
function measureLatencyAt(figure: string, concurrency: (sizes: Sizes) => number): Measure {
  return async (system, ctx, prefix) => {
    const { latencyTasks: n, latencyWarmup: warm, latencyRate: rate } = ctx.sizes;
    const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
    try {
      const result = await runWorkers(system, ctx, prefix, {
        processes: 1,
        concurrency: concurrency(ctx.sizes),
        mode: 'latency',
        tasks: n,
        warmups: warm,
        whileRunning: async () => {
          await sleep(SETTLE_MS);
          await paced(warm + n, rate, (k) =>
            producer.enqueueOne({ i: k < warm ? -(k + 1) : k - warm, t: now() }),
          );
        },
      });
      await expectPending(producer, 0, `${system.name} ${figure}`);
      return {
        [`${figure}_p50`]: percentile(result.samples, 50),
        [`${figure}_p99`]: percentile(result.samples, 99),
      };
    } finally {
      await producer.close();
    }
  };
}

/** `latency_p50`, `latency_p99`: the worker at concurrency 1 (it ran at 100 before 0.3). */
export const measureLatency = measureLatencyAt('latency', () => 1);

/** `latency_c50_p50`, `latency_c50_p99`: the same at worker concurrency 50. */
export const measureLatencyC50 = measureLatencyAt('latency_c50', () => 50);

/**
 * `delay_error_p50`, `delay_error_p99`: |handler start − (send time + countdown)| in ms for
 * tasks sent at a steady rate to a running worker.
 */
export const measureDelay: Measure = async (system, ctx, prefix) => {
  const { delayTasks: n, delayMs, delayRate: rate } = ctx.sizes;
  const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    const result = await runWorkers(system, ctx, prefix, {
      processes: 1,
      concurrency: ctx.sizes.concurrency,
      mode: 'delay',
      tasks: n,
      whileRunning: async () => {
        await sleep(SETTLE_MS);
        await paced(n, rate, (i) => producer.enqueueDelayed({ i, t: now() }, delayMs));
      },
    });
    await expectPending(producer, 0, `${system.name} delay`);
    const errors = result.samples.map(Math.abs);
    const mean = result.samples.reduce((a, b) => a + b, 0) / result.samples.length;
    const early = result.samples.filter((e) => e < 0).length;
    ctx.log(`  ${system.name}: mean signed error ${mean.toFixed(2)} ms, ${early} started early`);
    return {
      delay_error_p50: percentile(errors, 50),
      delay_error_p99: percentile(errors, 99),
    };
  } finally {
    await producer.close();
  }
};
