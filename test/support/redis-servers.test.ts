import { createConnection } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { redisServerBinary } from './redis-available.ts';
import {
  type RedisClusterHandle,
  type RedisServerHandle,
  startRedisCluster,
  startRedisServer,
} from './redis-servers.ts';

/** In CI a missing redis-server binary must fail these tests rather than skip them. */
const skip = !redisServerBinary && process.env.CI !== 'true';

/** Resolves to the error code of a plain TCP connect, or 'connected'. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A client that fails fast instead of reconnecting, so a dead server cannot hang a test. */
function client(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
}

describe.skipIf(skip)('startRedisServer', () => {
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  const connect = (url: string) => {
    const c = client(url);
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('serves commands, restarts on the same port, refuses connections once stopped', async () => {
    const server = await startRedisServer();
    servers.push(server);
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}/0`);

    const first = connect(server.url);
    await first.set('greeting', 'hello');
    expect(await first.get('greeting')).toBe('hello');

    await server.restart();
    const second = connect(server.url);
    expect(await second.ping()).toBe('PONG');
    // No persistence, so a restart starts empty.
    expect(await second.get('greeting')).toBeNull();
    await second.set('greeting', 'again');
    expect(await second.get('greeting')).toBe('again');

    await server.stop();
    expect(await probe(server.port)).toBe('ECONNREFUSED');
  });

  it('recovers from kill() via restart() and passes extra args through', async () => {
    const server = await startRedisServer({ args: ['--maxmemory', '10mb'] });
    servers.push(server);
    expect(await connect(server.url).config('GET', 'maxmemory')).toEqual([
      'maxmemory',
      String(10 * 1024 * 1024),
    ]);

    await server.kill();
    expect(await probe(server.port)).toBe('ECONNREFUSED');

    await server.restart();
    expect(await connect(server.url).ping()).toBe('PONG');
  });
});

describe.skipIf(skip)('startRedisCluster', () => {
  let cluster: RedisClusterHandle | undefined;
  let clusterClient: Cluster | undefined;

  afterEach(async () => {
    clusterClient?.disconnect();
    await cluster?.stop();
  });

  it('forms a 3-master cluster that spreads hash tags over several nodes', async () => {
    cluster = await startRedisCluster();
    const { nodes } = cluster;
    expect(nodes).toHaveLength(3);
    expect(cluster.url).toBe(
      `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    );

    clusterClient = new Cluster(nodes, { clusterRetryStrategy: () => null });
    const keys = ['{a}x', '{b}y', '{c}z'];
    for (const key of keys) await clusterClient.set(key, `value of ${key}`);
    for (const key of keys) expect(await clusterClient.get(key)).toBe(`value of ${key}`);

    // Map each key's slot to the port of the master serving it.
    const ranges = await clusterClient.cluster('SLOTS');
    const owners = new Set<number>();
    for (const key of keys) {
      const slot = Number(await clusterClient.cluster('KEYSLOT', key));
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      expect(range, `no master serves slot ${slot}`).toBeDefined();
      const port = range?.[2]?.[1];
      if (port !== undefined) owners.add(port);
    }
    expect(owners.size).toBeGreaterThanOrEqual(2);

    clusterClient.disconnect();
    clusterClient = undefined;
    await cluster.stop();
    const stopped = cluster;
    cluster = undefined;
    for (const node of stopped.nodes) expect(await probe(node.port)).toBe('ECONNREFUSED');
  });
});
