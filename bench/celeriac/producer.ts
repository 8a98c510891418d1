import type { Producer } from '../systems.ts';
import { createBenchApp } from './app.ts';

/** A connected Celeriac producer (results ignored) on `prefix`. */
export async function openCeleriacProducer(
  redisUrl: string,
  prefix: string,
  queue: string,
): Promise<Producer> {
  const { app, noop } = createBenchApp(redisUrl, prefix, queue);
  await app.connect();
  return {
    enqueueOne: async (payload) => {
      await noop.delay(payload);
    },
    enqueueBulk: async (payloads) => {
      await noop.delayMany(payloads.map((payload) => [payload]));
    },
    enqueueDelayed: async (payload, delayMs) => {
      await noop.applyAsync([payload], { countdown: delayMs });
    },
    pending: async () => {
      const stats = await app.broker.stats(queue);
      return stats.ready + stats.delayed + stats.reserved;
    },
    failed: async () => (await app.broker.stats(queue)).dead,
    close: () => app.close(),
  };
}
