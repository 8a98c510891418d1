import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectClient,
  createClient,
  isConnectionError,
  quitClient,
  type RedisClient,
} from '../../src/redis/redis-connection.ts';
import { parseRedisUrl } from '../../src/redis/redis-url.ts';
import { redisServerBinary } from '../support/redis-available.ts';
import { type RedisServerHandle, startRedisServer } from '../support/redis-servers.ts';

/** The server's pid, from its own INFO. */
async function serverPid(url: string): Promise<number> {
  const admin = new Redis(url);
  try {
    const info = await admin.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  } finally {
    admin.disconnect();
  }
}

/** Resolves once `client` emitted `event` `count` times since this call. */
function emitted(client: RedisClient, event: string, count = 1): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const listener = () => {
      if (++seen < count) return;
      client.off(event, listener);
      resolve();
    };
    client.on(event, listener);
  });
}

describe.skipIf(!redisServerBinary)('a Redis connection that goes silent', () => {
  let server: RedisServerHandle | undefined;
  let pid: number | undefined;
  let client: RedisClient | undefined;

  afterEach(async () => {
    // A stopped server must run again to stop.
    if (pid) process.kill(pid, 'SIGCONT');
    if (client) await quitClient(client).catch(() => undefined);
    await server?.stop();
    server = undefined;
    pid = undefined;
    client = undefined;
  });

  it('fails the command waiting on it, reconnects, and answers again once the server does', async () => {
    server = await startRedisServer();
    const target = parseRedisUrl(server.url, 'broker');
    client = createClient(target, {
      feature: 'the test',
      connectionName: 'liveness-test',
      connectTimeoutMs: 5000,
      offlineQueue: false,
      livenessTimeoutMs: 200,
    });
    const errors: string[] = [];
    client.on('error', (error: Error) => errors.push(error.message));
    await connectClient(client, target, 5000);
    await client.set('k', 'before');
    pid = await serverPid(server.url);
    // SIGSTOP keeps the socket open and the kernel acknowledging, but nothing answers: to the
    // client, a partition.
    process.kill(pid, 'SIGSTOP');
    const waiting = client.get('k').then(
      () => 'answered',
      (error: unknown) => (isConnectionError(error) ? 'connection error' : String(error)),
    );
    const reconnecting = emitted(client, 'reconnecting');
    expect(await waiting).toBe('connection error');
    await reconnecting;
    process.kill(pid, 'SIGCONT');
    pid = undefined;
    await emitted(client, 'ready');
    expect(await client.get('k')).toBe('before');
    expect(errors.filter((m) => /no reply from Redis to a PING within 200 ms/.test(m))).not.toEqual(
      [],
    );
  });
});
