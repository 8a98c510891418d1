import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApp } from '../../src/index.ts';

/** A broker file and a runs file in a fresh temp folder, and an app on that broker. */
export function e2eEnv() {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-e2e-'));
  const brokerUrl = `sqlite://${join(dir, 'broker.db')}`;
  const runsDb = join(dir, 'runs.db');
  const env = { CELERIAC_BROKER_URL: brokerUrl, E2E_RUNS_DB: runsDb };
  const app = createApp({ broker: brokerUrl, defaultQueue: 'e2e', logLevel: 'silent' });
  let runs: Database.Database | undefined;
  const openRuns = () => {
    runs ??= new Database(runsDb);
    runs.pragma('busy_timeout = 10000');
    runs.exec(
      'CREATE TABLE IF NOT EXISTS runs (task_id TEXT NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL)',
    );
    return runs;
  };
  return {
    dir,
    env,
    app,
    /** Total runs and distinct task ids recorded so far. */
    counts(): { total: number; distinct: number } {
      const row = openRuns()
        .prepare('SELECT COUNT(*) AS total, COUNT(DISTINCT task_id) AS distinct_ids FROM runs')
        .get() as {
        total: number;
        distinct_ids: number;
      };
      return { total: row.total, distinct: row.distinct_ids };
    },
    /** Runs per worker process id. */
    runsByPid(): Map<number, number> {
      const rows = openRuns()
        .prepare('SELECT pid, COUNT(*) AS n FROM runs GROUP BY pid')
        .all() as Array<{ pid: number; n: number }>;
      return new Map(rows.map((r) => [r.pid, r.n]));
    },
    async cleanup() {
      runs?.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 50 ms until it is true; fails with `what` after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
