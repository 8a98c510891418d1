import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp, RedisBroker } from '../../src/index.ts';
import { type RedisServerHandle, startRedisServer } from '../../test/support/redis-servers.ts';
import type { ChaosBroker } from '../scenario.ts';

/** Redis as the suite runs it: every write on disk before it is acknowledged. */
export const DURABLE_REDIS_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always'];

/** A broker (and result backend) of one scenario run, on servers and files of its own. */
export interface ChaosBrokerEnv {
  broker: ChaosBroker;
  /** The run's temp folder: broker files, ledgers. */
  dir: string;
  /** Where every process of the run appends its ledger. */
  ledgerDir: string;
  brokerUrl: string;
  backendUrl: string;
  /** The environment child processes get (broker, backend, ledger folder). */
  env: Record<string, string>;
  /** An app in this process on the same broker: producer and queue admin. */
  app: App;
  /** The suite's own redis-server, for broker faults (Redis only). */
  redis?: RedisServerHandle;
  /** Closes the app, stops the server, deletes the folder. */
  close(): Promise<void>;
}

/** Options of a run's broker. */
export interface BrokerEnvOptions {
  /** The producer app's publish timeout on Redis (default: the broker's own, 10 s). */
  publishTimeoutMs?: number;
}

/** Starts what `broker` needs in a fresh temp folder; never touches a shared server. */
export async function openBrokerEnv(
  broker: ChaosBroker,
  options: BrokerEnvOptions = {},
): Promise<ChaosBrokerEnv> {
  if (broker === 'memory') throw new Error('the memory broker cannot be shared by processes');
  const dir = mkdtempSync(join(tmpdir(), `celeriac-chaos-${broker}-`));
  const ledgerDir = join(dir, 'ledger');
  const redis =
    broker === 'redis' ? await startRedisServer({ args: DURABLE_REDIS_ARGS }) : undefined;
  const brokerUrl = redis ? `${redis.url}?prefix=chaos` : `sqlite://${join(dir, 'broker.db')}`;
  const backendUrl = redis ? redis.url : `sqlite://${join(dir, 'results.db')}`;
  const app = createApp({
    broker: redis
      ? new RedisBroker({ url: brokerUrl, publishTimeoutMs: options.publishTimeoutMs })
      : brokerUrl,
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
