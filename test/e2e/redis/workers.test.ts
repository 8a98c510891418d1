import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/index.ts';
import { redisAvailable, redisUrl } from '../../support/redis-available.ts';
import { until } from '../e2e-env.ts';
import { type CliProcess, killAll, spawnCli } from '../worker-process.ts';

const TASKS = new URL('../fixtures/counting-tasks.ts', import.meta.url).pathname;
/** The line a worker logs at info level once it consumes. */
const ONLINE = /"msg":"worker online"/;
/** Where this machine lists each process's TCP sockets (Linux), to count a worker's connections. */
const PROC_NET = existsSync('/proc/self/net/tcp');

/** `url` with `?prefix=` set, keeping any other query parameters. */
function withPrefix(url: string, prefix: string): string {
  const [base, query] = url.split('?', 2) as [string, string | undefined];
  const params = new URLSearchParams(query ?? '');
  params.set('prefix', prefix);
  return `${base}?${params.toString()}`;
}

/**
 * A fresh key prefix on the shared Redis, a runs file the fixture records into, and an app
 * sending to that prefix. `cleanup` deletes the keys and the files.
 */
function redisE2eEnv(admin: Redis) {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const brokerUrl = withPrefix(redisUrl, prefix);
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-e2e-redis-'));
  const runsDb = join(dir, 'runs.db');
  const app = createApp({ broker: brokerUrl, defaultQueue: 'e2e', logLevel: 'silent' });
  let runs: Database.Database | undefined;
  const openRuns = () => {
    if (!runs) {
      runs = new Database(runsDb);
      runs.pragma('busy_timeout = 10000');
      runs.exec(
        'CREATE TABLE IF NOT EXISTS runs (task_id TEXT NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL)',
      );
    }
    return runs;
  };
  return {
    prefix,
    brokerUrl,
    /** The runs file for the fixture; the broker URL goes on the command line (`-b`). */
    env: { E2E_RUNS_DB: runsDb },
    app,
    /** Total runs and distinct task ids recorded so far. */
    counts(): { total: number; distinct: number } {
      const row = openRuns()
        .prepare('SELECT COUNT(*) AS total, COUNT(DISTINCT task_id) AS d FROM runs')
        .get() as { total: number; d: number };
      return { total: row.total, distinct: row.d };
    },
    /** Runs per worker process id. */
    runsByPid(): Map<number, number> {
      const rows = openRuns()
        .prepare('SELECT pid, COUNT(*) AS n FROM runs GROUP BY pid')
        .all() as Array<{ pid: number; n: number }>;
      return new Map(rows.map((r) => [r.pid, r.n]));
    },
    /** Every run in the order the fixture recorded them. */
    runs(): Array<{ id: string; pid: number }> {
      return openRuns()
        .prepare('SELECT task_id AS id, pid FROM runs ORDER BY rowid')
        .all() as Array<{ id: string; pid: number }>;
    },
    async cleanup() {
      runs?.close();
      await app.close();
      await deleteKeys(admin, prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function deleteKeys(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Local ports of the process's established TCP connections to `serverPort`, from /proc. */
function portsTo(pid: number, serverPort: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket?.[1]) inodes.add(socket[1]);
    } catch {
      // The descriptor closed between listing and reading it.
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    const path = `/proc/${pid}/net/${table}`;
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
      const [, local, remote, state, , , , , , inode] = line.trim().split(/\s+/);
      if (!local || !remote || !inode || state !== '01' || !inodes.has(inode)) continue;
      if (Number.parseInt(remote.split(':').at(-1) ?? '', 16) !== serverPort) continue;
      ports.add(Number.parseInt(local.split(':').at(-1) ?? '', 16));
    }
  }
  return ports;
}

/** Names of the CLIENT LIST entries that are connections of process `pid`, sorted. */
async function redisClientsOf(admin: Redis, pid: number): Promise<string[]> {
  const serverPort = Number(new URL(redisUrl).port || 6379);
  const ports = portsTo(pid, serverPort);
  const list = (await admin.client('LIST')) as string;
  const names: string[] = [];
  for (const line of list.split('\n')) {
    const port = Number(/(?:^| )addr=\S*:(\d+)(?: |$)/.exec(line)?.[1]);
    if (ports.has(port)) names.push(/(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
  }
  return names.sort();
}

describe.skipIf(!redisAvailable)('worker processes on Redis', () => {
  const admin = redisAvailable ? new Redis(redisUrl) : (undefined as unknown as Redis);
  let env: ReturnType<typeof redisE2eEnv>;
  const workers: CliProcess[] = [];

  afterEach(async () => {
    await killAll(workers);
    await env?.cleanup();
  });
  afterAll(() => admin?.disconnect());

  /** A worker process on this test's prefix, logging at info so the test sees it go online. */
  const startWorker = (...flags: string[]) => {
    const w = spawnCli(
      ['worker', '-A', TASKS, '-b', env.brokerUrl, '-l', 'info', ...flags],
      env.env,
    );
    workers.push(w);
    return w;
  };

  const drained = async (queue = 'e2e') => {
    const s = await env.app.broker.stats(queue);
    return s.ready + s.reserved + s.delayed === 0;
  };

  it('two workers run 5,000 tasks, each exactly once', async () => {
    env = redisE2eEnv(admin);
    const a = startWorker('-c', '20');
    const b = startWorker('-c', '20');
    await Promise.all([a.waitFor(ONLINE), b.waitFor(ONLINE)]);
    const ids = new Set<string>();
    for (let batch = 0; batch < 5; batch++) {
      const sent = await env.app.sendMany(
        'e2e.record',
        Array.from({ length: 1000 }, () => []),
        {},
      );
      for (const r of sent) ids.add(r.id);
    }
    expect(ids.size).toBe(5000);
    await until(() => env.counts().total >= 5000, '5,000 runs', 50_000);
    await until(drained, 'every ack');
    expect(env.counts()).toEqual({ total: 5000, distinct: 5000 });
    expect(new Set(env.runs().map((r) => r.id))).toEqual(ids);
    expect([...env.runsByPid().keys()].sort()).toEqual([a.child.pid, b.child.pid].sort());
    expect(await env.app.broker.stats('e2e')).toMatchObject({
      ready: 0,
      reserved: 0,
      delayed: 0,
      dead: 0,
    });
  });

  it('a worker killed with SIGKILL mid-run loses nothing; duplicates stay within its concurrency', async () => {
    env = redisE2eEnv(admin);
    const total = 2000;
    const concurrency = 20;
    const victim = startWorker('-c', String(concurrency), '--lease', '2s');
    const survivor = startWorker('-c', String(concurrency), '--lease', '2s');
    await Promise.all([victim.waitFor(ONLINE), survivor.waitFor(ONLINE)]);
    await env.app.sendMany(
      'e2e.record',
      Array.from({ length: total }, () => [20]),
      {},
    );
    const victimPid = victim.child.pid ?? -1;
    const victimRuns = () => env.runsByPid().get(victimPid) ?? 0;
    await until(() => victimRuns() >= 100, 'the victim to run 100 tasks');
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect(env.counts().distinct).toBeLessThan(total);

    await until(() => env.counts().distinct >= total, `all ${total} tasks`, 40_000);
    await until(drained, 'every ack');
    const counts = env.counts();
    expect(counts.distinct).toBe(total);
    // Only tasks the killed worker held (at most its concurrency) may have run twice: once
    // there, once more after their leases ran out.
    expect(counts.total - counts.distinct).toBeLessThanOrEqual(concurrency);
    const pidsById = new Map<string, number[]>();
    for (const run of env.runs()) pidsById.set(run.id, [...(pidsById.get(run.id) ?? []), run.pid]);
    for (const [id, pids] of pidsById) {
      // A task that ran twice ran first on the victim, then once on the survivor.
      if (pids.length > 1)
        expect({ id, pids }).toEqual({ id, pids: [victimPid, survivor.child.pid] });
    }
    expect(await env.app.broker.stats('e2e')).toMatchObject({ dead: 0 });
  });

  it('a countdown far longer than the lease runs exactly once', async () => {
    env = redisE2eEnv(admin);
    const workersOnline = [
      startWorker('-c', '5', '--lease', '1s'),
      startWorker('-c', '5', '--lease', '1s'),
    ].map((w) => w.waitFor(ONLINE));
    await Promise.all(workersOnline);
    const result = await env.app.sendTask('e2e.record', [], { countdown: '4s' });
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 0, delayed: 1 });
    await until(() => env.counts().total >= 1, 'the delayed task', 30_000);
    // Three more lease periods: a visibility-timeout design would have redelivered by now.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(env.counts()).toEqual({ total: 1, distinct: 1 });
    expect(env.runs().map((r) => r.id)).toEqual([result.id]);
    await until(drained, 'the ack');
  });

  it('-Q high,low -c 1 on pre-filled queues runs every high task before any low one', async () => {
    env = redisE2eEnv(admin);
    const args = Array.from({ length: 50 }, () => []);
    // The low queue is filled first, so arrival order alone would run it first.
    const low = (await env.app.sendMany('e2e.record', args, { queue: 'low' })).map((r) => r.id);
    const high = (await env.app.sendMany('e2e.record', args, { queue: 'high' })).map((r) => r.id);
    const queueOf = new Map([
      ...low.map((id) => [id, 'low'] as const),
      ...high.map((id) => [id, 'high'] as const),
    ]);
    startWorker('-Q', 'high,low', '-c', '1');
    await until(() => env.counts().total >= 100, '100 runs', 30_000);
    await until(async () => (await drained('high')) && (await drained('low')), 'every ack');
    const order = env.runs().map((r) => r.id);
    expect(order.map((id) => queueOf.get(id))).toEqual([
      ...high.map(() => 'high'),
      ...low.map(() => 'low'),
    ]);
    // FIFO within each queue, too.
    expect(order).toEqual([...high, ...low]);
  });

  it.skipIf(!PROC_NET)(
    'a worker with -c 200 holds exactly 2 Redis connections, idle and under load',
    async () => {
      env = redisE2eEnv(admin);
      const worker = startWorker('-c', '200');
      await worker.waitFor(ONLINE);
      const pid = worker.child.pid ?? -1;
      // The wake-up subscriber connects on the first waiting reserve, just after "online".
      await until(
        async () => (await redisClientsOf(admin, pid)).length >= 2,
        'the subscriber connection',
        10_000,
      );
      expect(await redisClientsOf(admin, pid)).toEqual(['celeriac', 'celeriac-sub']);

      await env.app.sendMany(
        'e2e.record',
        Array.from({ length: 500 }, () => [20]),
        {},
      );
      const seen = new Set<string>();
      await until(async () => {
        seen.add((await redisClientsOf(admin, pid)).join(','));
        return env.counts().total >= 500;
      }, '500 runs');
      await until(drained, 'every ack');
      expect(env.counts()).toEqual({ total: 500, distinct: 500 });
      expect([...seen]).toEqual(['celeriac,celeriac-sub']);
      expect(await redisClientsOf(admin, pid)).toEqual(['celeriac', 'celeriac-sub']);
    },
  );
});
