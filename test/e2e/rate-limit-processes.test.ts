import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { until } from './e2e-env.ts';
import { type CliProcess, killAll, runCli, spawnCli } from './worker-process.ts';

const TASKS = new URL('./fixtures/rate-tasks.ts', import.meta.url).pathname;
const ONLINE = /"msg":"worker online"/;
const KINDS = redisAvailable ? (['sqlite', 'redis'] as const) : (['sqlite'] as const);

interface Start {
  at: number;
  /** The booked start, or the start itself for one that ran at once. */
  booked: number;
  pid: number;
  bookedAhead: boolean;
}

/** The most starts whose booked (or actual) times fall in any window [t, t + windowMs). */
function busiestWindow(
  starts: Start[],
  windowMs: number,
  time: 'booked' | 'at' = 'booked',
): number {
  const times = starts.map((s) => s[time]).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && (times[j] as number) < (times[i] as number) + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe.each(KINDS)('a cluster-wide rate limit across worker processes on %s', (kind) => {
  let dir: string;
  let prefix: string;
  let brokerUrl: string;
  let app: App;
  const workers: CliProcess[] = [];

  const setUp = () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-rate-e2e-'));
    prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
    brokerUrl =
      kind === 'sqlite'
        ? `sqlite://${join(dir, 'broker.db')}`
        : `${redisUrl.split('?')[0]}?prefix=${prefix}`;
    app = createApp({ broker: brokerUrl, defaultQueue: 'rates', logLevel: 'silent' }, {});
  };
  const env = () => ({ E2E_RUNS_DB: join(dir, 'runs.db') });

  afterEach(async () => {
    await killAll(workers);
    await app.close();
    if (kind === 'redis') {
      const admin = new Redis(redisUrl);
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorkers = async (n: number) => {
    const started = Array.from({ length: n }, () =>
      spawnCli(['worker', '-A', TASKS, '-b', brokerUrl, '-c', '4', '-l', 'info'], env()),
    );
    workers.push(...started);
    await Promise.all(started.map((w) => w.waitFor(ONLINE)));
  };

  const starts = (): Start[] => {
    const runs = new Database(join(dir, 'runs.db'), { readonly: true });
    try {
      const rows = runs
        .prepare('SELECT at, booked_at AS bookedAt, pid FROM rate_runs ORDER BY at')
        .all() as Array<{ at: number; bookedAt: number | null; pid: number }>;
      return rows.map((r) => ({
        at: r.at,
        booked: r.bookedAt ?? r.at,
        pid: r.pid,
        bookedAhead: r.bookedAt !== null,
      }));
    } finally {
      runs.close();
    }
  };
  const countStarts = () => {
    try {
      return starts().length;
    } catch {
      return 0; // the runs file does not exist until the first start
    }
  };

  it('three workers together start at most 20 a second, and all tasks run', async () => {
    setUp();
    await startWorkers(3);
    const total = 60;
    await app.sendMany(
      'rate.limited',
      Array.from({ length: total }, () => []),
      {},
    );
    await until(() => countStarts() >= total, `${total} starts`, 30_000);
    const all = starts();
    expect(all).toHaveLength(total);
    // Actual starts, admitted by the broker on its clock and recorded by the worker processes
    // up to one interval (50 ms) later: at most 20/s × (W + 50 ms) + 1 in any window W.
    expect(busiestWindow(all, 1000, 'at')).toBeLessThanOrEqual(21 + 1);
    expect(busiestWindow(all, 250, 'at')).toBeLessThanOrEqual(6 + 1);
    // Bookings are 50 ms apart among themselves.
    const bookings = all.filter((s) => s.bookedAhead);
    expect(busiestWindow(bookings, 1000)).toBeLessThanOrEqual(20 + 1);
    expect(busiestWindow(bookings, 250)).toBeLessThanOrEqual(5 + 1);
    // 60 starts at 20/s span at least 59 intervals.
    const times = all.map((s) => s.at).sort((a, b) => a - b);
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThanOrEqual(59 * 50 - 60);
    // No start before its booked time.
    expect(all.filter((s) => s.at < s.booked).length).toBe(0);
  });

  it('follows a limit changed with the CLI while the workers run', async () => {
    setUp();
    await startWorkers(2);
    const changed = await runCli(
      ['control', 'rate-limit', '-A', TASKS, '-b', brokerUrl, 'rate.slow', '50/s'],
      env(),
    );
    expect(changed.code).toBe(0);
    const total = 20;
    await app.sendMany(
      'rate.slow',
      Array.from({ length: total }, () => []),
      {},
    );
    await until(() => countStarts() >= total, `${total} starts`, 30_000);
    const all = starts();
    expect(all).toHaveLength(total);
    // At the code's 1/s these would span 19 s; at 50/s they span 19 × 20 ms.
    const times = all.map((s) => s.at).sort((a, b) => a - b);
    const span = (times.at(-1) as number) - (times[0] as number);
    expect(span).toBeGreaterThanOrEqual(19 * 20 - 30);
    expect(span).toBeLessThan(1000);
    // Actual starts, recorded by the worker processes up to one interval (20 ms) after their
    // admission: at most 50/s × (100 + 20) ms + 1 in any 100 ms.
    expect(busiestWindow(all, 100, 'at')).toBeLessThanOrEqual(6 + 1);
  });
});
