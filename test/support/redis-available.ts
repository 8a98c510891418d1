import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';

/** The Redis the integration suites use; point elsewhere with CELERIAC_TEST_REDIS_URL. */
export const redisUrl = process.env.CELERIAC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

const PING_TIMEOUT_MS = 1_000;
/** Marks the skip notice as printed, so several importers in one process print it once. */
const NOTICE_PRINTED = Symbol.for('celeriac.test.redisSkipNoticePrinted');

/** `host:port` of a Redis URL, without credentials, for messages. */
function describeTarget(url: string): string {
  if (!URL.canParse(url)) return 'an unparsable CELERIAC_TEST_REDIS_URL';
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || '6379'}`;
}

/** Resolves to undefined when `url` answers PING within 1 s, otherwise to the reason it did not. */
async function pingFailure(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PING_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    // ioredis arms this timer even for an already-closed socket; 2 s default would delay exit.
    disconnectTimeout: 100,
  });
  let lastError: string | undefined;
  // ioredis also emits connection failures as events; unlistened, Node reports them as unhandled.
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  // Both outcomes resolve (never reject), so the losing side of the race cannot go unhandled.
  const attempt = client
    .connect()
    .then(() => client.ping())
    .then(
      (reply) => (reply === 'PONG' ? undefined : `unexpected PING reply ${reply}`),
      (err: unknown) => lastError ?? (err instanceof Error ? err.message : String(err)),
    );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no PONG within ${PING_TIMEOUT_MS} ms`), PING_TIMEOUT_MS);
  });
  const reason = await Promise.race([attempt, timeout]);
  clearTimeout(timer);
  client.disconnect();
  return reason;
}

const failure = await pingFailure(redisUrl);

if (failure !== undefined) {
  // A missing server must fail CI loudly instead of silently skipping every Redis suite.
  if (process.env.CI === 'true') {
    const where = describeTarget(redisUrl);
    throw new Error(
      `Redis suites need a Redis at ${where} in CI, but PING failed: ${failure}. ` +
        'Start redis-server or set CELERIAC_TEST_REDIS_URL.',
    );
  }
  const flags = globalThis as { [NOTICE_PRINTED]?: boolean };
  if (!flags[NOTICE_PRINTED]) {
    flags[NOTICE_PRINTED] = true;
    process.stderr.write(`skipping Redis suites: no Redis at ${describeTarget(redisUrl)}\n`);
  }
}

/** Whether the Redis at `redisUrl` answered PING when this module loaded. */
export const redisAvailable: boolean = failure === undefined;

/** Whether a `redis-server` binary is on PATH, so tests can start their own servers. */
export const redisServerBinary: boolean =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5_000 }).status === 0;

/** Why Redis suites cannot run here (for skip messages), or undefined when they can. */
export function requireRedisReason(): string | undefined {
  return failure === undefined ? undefined : `no Redis at ${describeTarget(redisUrl)}: ${failure}`;
}
