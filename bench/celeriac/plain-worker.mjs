// Celeriac's worker child for the RSS figures, run by plain `node` with no loader: this file is
// JavaScript, and `celeriac` resolves through this repository's package.json "exports" to the
// built dist/ (a package may import itself by its own name), as in a user's project. The app is
// the one bench/celeriac/app.ts builds for the producer: same task name, results ignored.
import { createApp } from 'celeriac';
import { runWorkerChild } from '../child/harness.mjs';

await runWorkerChild(async (config, hooks) => {
  const app = createApp(
    {
      broker: `${config.redisUrl}?prefix=${encodeURIComponent(config.prefix)}`,
      logLevel: 'silent',
      defaultQueue: config.queue,
      ignoreResult: true,
    },
    // The benchmark compares defaults: no CELERIAC_* variable of the shell may change them.
    {},
  );
  app.task('bench.noop', (_ctx, data) => hooks.handle(data));
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
