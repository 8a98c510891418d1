// BullMQ's worker child for the RSS figures, run by plain `node` with no loader, importing
// 'bullmq' from this repository's node_modules as a user's project would. The same Worker as
// bench/bullmq/worker.ts: documented defaults, only autorun off so consumption starts on the
// runner's go.
import { Worker } from 'bullmq';
import { runWorkerChild } from '../child/harness.mjs';

/** BullMQ connection options from a redis:// URL, as bench/bullmq/connection.ts builds them. */
function bullConnection(redisUrl) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

await runWorkerChild(async (config, hooks) => {
  const worker = new Worker(
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
  let running;
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
