import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApp } from '../../src/index.ts';
import { redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

/** One recorded run of a slot fixture task. */
export interface Interval {
  taskId: string;
  key: string;
  pid: number;
  started: number;
  ended: number | null;
}

/** `url` with `?prefix=` set, keeping any other query parameters. */
function withPrefix(url: string, prefix: string): string {
  const [base, query] = url.split('?', 2) as [string, string | undefined];
  const params = new URLSearchParams(query ?? '');
  params.set('prefix', prefix);
  return `${base}?${params.toString()}`;
}

/**
 * A broker (a SQLite file, or a fresh prefix on the test Redis), a runs file the slot fixture
 * records into, and an app that sends to that broker. `cleanup` deletes all of it.
 */
export function slotsEnv(kind: 'sqlite' | 'redis') {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-e2e-slots-'));
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const brokerUrl =
    kind === 'sqlite' ? `sqlite://${join(dir, 'broker.db')}` : withPrefix(redisUrl, prefix);
  const runsDb = join(dir, 'runs.db');
  const app = createApp({ broker: brokerUrl, defaultQueue: 'e2e', logLevel: 'silent' }, {});
  let runs: Database.Database | undefined;
  const openRuns = () => {
    if (!runs) {
      runs = new Database(runsDb);
      runs.pragma('busy_timeout = 10000');
      runs.exec(
        `CREATE TABLE IF NOT EXISTS intervals (
           task_id TEXT NOT NULL, key TEXT NOT NULL, pid INTEGER NOT NULL,
           started INTEGER NOT NULL, ended INTEGER
         )`,
      );
    }
    return runs;
  };
  return {
    app,
    env: { CELERIAC_BROKER_URL: brokerUrl, E2E_RUNS_DB: runsDb },
    /** Every run recorded so far, in the order they started. */
    intervals(): Interval[] {
      return openRuns()
        .prepare(
          'SELECT task_id AS taskId, key, pid, started, ended FROM intervals ORDER BY started, rowid',
        )
        .all() as Interval[];
    },
    /** Runs that have ended. */
    finished(): number {
      const row = openRuns()
        .prepare('SELECT COUNT(*) AS n FROM intervals WHERE ended IS NOT NULL')
        .get() as { n: number };
      return row.n;
    },
    async cleanup() {
      runs?.close();
      await app.close();
      if (kind === 'redis') {
        await deleteRedisPrefix(prefix);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The most runs of one key that overlapped. An end and a start at the same millisecond do not
 * overlap: a slot is given back only after its run recorded its end.
 */
export function maxOverlap(intervals: readonly Interval[]): number {
  const points = intervals.flatMap((i) => [
    { at: i.started, delta: 1 },
    { at: i.ended ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let max = 0;
  for (const point of points) {
    running += point.delta;
    max = Math.max(max, running);
  }
  return max;
}
