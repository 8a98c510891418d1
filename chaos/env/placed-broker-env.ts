import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, RedisBroker } from '../../src/index.ts';
import { startRedisServer } from '../../test/support/redis-servers.ts';
import { type ChaosBrokerEnv, DURABLE_REDIS_ARGS } from '../harness/broker-env.ts';

/**
 * A run's broker like the harness's openBrokerEnv, placed where a fault needs it: a Redis
 * server also listening on the host side of a veth, or a SQLite broker file on a small disk.
 */
export type Placement = { redisAlsoOn: string } | { sqliteDir: string };

/** Opens a run's broker env with its server or file where `placement` says. */
export async function openPlacedBrokerEnv(placement: Placement): Promise<ChaosBrokerEnv> {
  const broker = 'redisAlsoOn' in placement ? 'redis' : 'sqlite';
  const dir = mkdtempSync(join(tmpdir(), `celeriac-chaos-${broker}-`));
  const ledgerDir = join(dir, 'ledger');
  // Protected mode refuses clients off loopback without a password: the namespace is one.
  const bind = 'redisAlsoOn' in placement ? ['--bind', '127.0.0.1', placement.redisAlsoOn] : [];
  const redis =
    broker === 'redis'
      ? await startRedisServer({ args: [...DURABLE_REDIS_ARGS, ...bind, '--protected-mode', 'no'] })
      : undefined;
  const sqliteDir = 'sqliteDir' in placement ? placement.sqliteDir : dir;
  const brokerUrl = redis
    ? `${redis.url}?prefix=chaos`
    : `sqlite://${join(sqliteDir, 'broker.db')}`;
  const backendUrl = redis ? redis.url : `sqlite://${join(dir, 'results.db')}`;
  const app = createApp({
    broker: redis ? new RedisBroker({ url: brokerUrl }) : brokerUrl,
    backend: backendUrl,
    defaultQueue: 'chaos',
    logLevel: 'silent',
  });
  const env = {
    CELERIAC_BROKER_URL: brokerUrl,
    CELERIAC_RESULT_BACKEND: backendUrl,
    CHAOS_LEDGER_DIR: ledgerDir,
  };
  const close = async () => {
    await app.close().catch(() => undefined);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { broker, dir, ledgerDir, brokerUrl, backendUrl, env, app, redis, close };
}

/** The same URL with its host replaced: how a process in a namespace reaches the server. */
export function withHost(url: string, host: string): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  return parsed.toString();
}
