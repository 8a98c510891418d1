/** Worker child for BullMQ: spawned by bench/child/spawn.ts, reports over IPC. */
import { Worker } from 'bullmq';
import { runWorkerChild } from '../child/harness.mjs';
import type { Payload } from '../child/protocol.ts';
import { bullConnection } from './connection.ts';

await runWorkerChild(async (config, hooks) => {
  // BullMQ's documented defaults; only autorun is off so consumption starts on the parent's go.
  const worker = new Worker<Payload>(
    config.queue,
    async (job) => {
      hooks.handle(job.data);
    },
    {
      connection: bullConnection(config.redisUrl),
      prefix: config.prefix,
      concurrency: config.concurrency,
      autorun: false,
    },
  );
  worker.on('completed', () => hooks.done());
  worker.on('failed', (_job, error) => hooks.failed(error.message));
  worker.on('error', (error) => hooks.failed(`worker error: ${error.message}`));
  await worker.waitUntilReady();
  let running: Promise<void> | undefined;
  return {
    start: async () => {
      running = worker.run();
    },
    stop: async () => {
      await worker.close();
      await running;
    },
  };
});
