import { Redis } from 'ioredis';
import { now } from '../child/protocol.ts';

/**
 * The round-trip floor of this machine: PINGs awaited one by one on ioredis, the client both
 * systems use. No figure that awaits one Redis call per task (enqueue_one, process_c1_1proc)
 * can pass it, which bounds the ratio either can reach there.
 */
export async function measurePingFloor(redisUrl: string, n: number): Promise<number> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    for (let k = 0; k < Math.min(5000, n); k++) await client.ping();
    const start = now();
    for (let i = 0; i < n; i++) await client.ping();
    return n / ((now() - start) / 1000);
  } finally {
    client.disconnect();
  }
}
