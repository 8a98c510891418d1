/** Worker child for Celeriac: spawned by bench/child/spawn.ts, reports over IPC. */
import { runWorkerChild } from '../child/harness.mjs';
import { createBenchApp } from './app.ts';

await runWorkerChild(async (config, hooks) => {
  const { app } = createBenchApp(config.redisUrl, config.prefix, config.queue, hooks.handle);
  await app.connect();
  const worker = app.worker({ concurrency: config.concurrency, queues: [config.queue] });
  worker.events.on('task:succeeded', () => hooks.done());
  worker.events.on('task:failed', (event) => hooks.failed(event.reason));
  worker.events.on('task:retried', (event) => hooks.failed(`retried: ${event.error.message}`));
  return {
    start: () => worker.start(),
    stop: async () => {
      await worker.stop();
      await app.close();
    },
  };
});
