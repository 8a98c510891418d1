// The rate benchmark's limited task, loaded by `celeriac worker -A` in each worker process.
// Each start is pushed to a Redis list, so the benchmark counts starts across processes.
import { Redis } from 'ioredis';
import { createApp } from '../../src/index.ts';

const startsKey = process.env.BENCH_RATE_STARTS;
const limit = process.env.BENCH_RATE_LIMIT ?? '70/s';
let redis: Redis | undefined;

export const app = createApp({ defaultQueue: 'bench-rate', ignoreResult: true, logLevel: 'warn' });

/** Records its start time (ms), id and booked start in the starts list. */
export const limited = app.task('bench.limited', { rateLimit: limit }, async (ctx) => {
  if (!startsKey) throw new Error('BENCH_RATE_STARTS is not set');
  redis ??= new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  const booked = (ctx.headers['celeriac.rate.booking'] as { at?: number } | undefined)?.at ?? '-';
  await redis.rpush(startsKey, `${Date.now()} ${ctx.id} ${booked} ${process.pid}`);
});
