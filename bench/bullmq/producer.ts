import { Queue } from 'bullmq';
import type { Payload } from '../child/protocol.ts';
import type { Producer } from '../systems.ts';
import { bullConnection } from './connection.ts';

/**
 * A BullMQ producer with its documented defaults, except that finished jobs are removed
 * (`removeOnComplete`/`removeOnFail`), as Celeriac keeps nothing with results ignored.
 */
export async function openBullProducer(
  redisUrl: string,
  prefix: string,
  queue: string,
): Promise<Producer> {
  const bull = new Queue<Payload>(queue, {
    connection: bullConnection(redisUrl),
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
  await bull.waitUntilReady();
  return {
    enqueueOne: async (payload) => {
      await bull.add('noop', payload);
    },
    enqueueBulk: async (payloads) => {
      await bull.addBulk(payloads.map((data) => ({ name: 'noop', data })));
    },
    enqueueDelayed: async (payload, delayMs) => {
      await bull.add('noop', payload, { delay: delayMs });
    },
    pending: async () => {
      const counts = await bull.getJobCounts(
        'wait',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    failed: () => bull.getFailedCount(),
    close: () => bull.close(),
  };
}
