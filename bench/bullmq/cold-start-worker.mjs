// BullMQ's side of the cold-start figures, plain JavaScript run by plain node: a Worker with a
// JS processor and its documented defaults. The runner copies it into a temporary project whose
// node_modules/bullmq points at this repository's, and counts until the line below appears.
import { Worker } from 'bullmq';

const { queue, prefix, connection } = JSON.parse(process.env.BENCH_COLD_START ?? '{}');
const worker = new Worker(queue, async () => {}, { connection, prefix });
worker.on('error', (error) => {
  console.error(`worker error: ${error.message}`);
  process.exitCode = 1;
});
process.once('SIGTERM', () => {
  worker.close().then(
    () => process.exit(),
    (error) => {
      console.error(`close failed: ${error.message}`);
      process.exit(1);
    },
  );
});
await worker.waitUntilReady();
// The same shape as Celeriac's JSON log line, so the runner reads both alike.
console.log(JSON.stringify({ msg: 'worker online' }));
