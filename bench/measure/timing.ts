import { setTimeout as sleep } from 'node:timers/promises';
import { now } from '../child/protocol.ts';
import { percentile } from '../stats.ts';
import { expectPending, type Measure, paced, runWorkers } from './context.ts';

/** Lets an idle worker reach its blocking wait before the first send. */
const SETTLE_MS = 300;

/**
 * `latency_p50`, `latency_p99`: ms from send to handler start at a steady rate, producer here
 * and worker in its own process; the first warm-up tasks are not sampled.
 */
export const measureLatency: Measure = async (system, ctx, prefix) => {
  const { latencyTasks: n, latencyWarmup: warm, latencyRate: rate } = ctx.sizes;
  const producer = await system.open(ctx.redisUrl, prefix, ctx.queue);
  try {
    const result = await runWorkers(system, ctx, prefix, {
      processes: 1,
      concurrency: ctx.sizes.concurrency,
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
    await expectPending(producer, 0, `${system.name} latency`);
    return {
      latency_p50: percentile(result.samples, 50),
      latency_p99: percentile(result.samples, 99),
    };
  } finally {
    await producer.close();
  }
};

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
