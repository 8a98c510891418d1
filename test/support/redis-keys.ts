import { Redis } from 'ioredis';
import { redisUrl } from './redis-available.ts';

/** Deletes every key under a test's prefix on the test Redis. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const admin = new Redis(redisUrl);
  try {
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}
