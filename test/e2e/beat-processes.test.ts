import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';
import { e2eEnv, until } from './e2e-env.ts';
import { type CliProcess, spawnCli } from './worker-process.ts';

const TASKS = new URL('./fixtures/beat-tick-tasks.ts', import.meta.url).pathname;
const LEADS = /became the leader|leading/i;
const WINDOW_MS = 20_000;

describe('three beat processes sharing one broker', () => {
  let env: ReturnType<typeof e2eEnv>;
  const processes: CliProcess[] = [];

  afterEach(async () => {
    for (const p of processes.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await env.cleanup();
  });

  const start = (args: string[]) => {
    const p = spawnCli([...args, '-A', TASKS, '-l', 'info'], env.env);
    processes.push(p);
    return p;
  };

  /** Ticks recorded by the worker, as [tick, runs of it]. */
  const ticks = (): Array<{ tick: number; runs: number }> => {
    const db = new Database(env.env.E2E_RUNS_DB);
    try {
      db.exec('CREATE TABLE IF NOT EXISTS ticks (tick INTEGER NOT NULL, pid INTEGER NOT NULL)');
      return db
        .prepare('SELECT tick, COUNT(*) AS runs FROM ticks GROUP BY tick ORDER BY tick')
        .all() as Array<{ tick: number; runs: number }>;
    } finally {
      db.close();
    }
  };

  /** Runs three schedulers and a worker for the window; `during` acts on them meanwhile. */
  async function runWindow(during?: (beats: CliProcess[]) => Promise<void>) {
    start(['worker', '-c', '4']);
    const beats = [0, 1, 2].map(() => start(['beat', '--lease', '2s']));
    await until(() => ticks().length > 0, 'the first tick', 60_000);
    const first = ticks()[0]?.tick ?? 0;
    if (during) await during(beats);
    await until(
      () => ticks().some((t) => t.tick >= first + WINDOW_MS),
      'the end of the window',
      60_000,
    );
    return ticks().filter((t) => t.tick >= first && t.tick < first + WINDOW_MS);
  }

  /** Kills whichever scheduler leads once eight ticks have run. */
  async function killLeaderMidRun(beats: CliProcess[]): Promise<void> {
    const leader = await Promise.race(beats.map((beat) => beat.waitFor(LEADS).then(() => beat)));
    await until(() => ticks().length >= 8, 'eight ticks before the kill', 60_000);
    leader.child.kill('SIGKILL');
    await leader.exited;
  }

  /** 20 ± 1 fires in the 20 s window, and no tick run twice. */
  function expectOncePerTick(fired: Array<{ tick: number; runs: number }>): void {
    expect(fired.every((t) => t.runs === 1)).toBe(true);
    expect(fired.length).toBeGreaterThanOrEqual(19);
    expect(fired.length).toBeLessThanOrEqual(21);
  }

  it('an every-1s entry fires 20 ± 1 times in 20 s, no tick twice', async () => {
    env = e2eEnv();
    expectOncePerTick(await runWindow());
  }, 120_000);

  it('when the leader is SIGKILLed mid-run, another takes over: 20 ± 1 fires, no tick twice', async () => {
    env = e2eEnv();
    expectOncePerTick(await runWindow(killLeaderMidRun));
  }, 120_000);

  it.skipIf(!redisAvailable)(
    'on Redis too: the leader SIGKILLed mid-run, 20 ± 1 fires, no tick twice',
    async () => {
      env = e2eEnv();
      const prefix = `celeriac-e2e-beat-${randomUUID().slice(0, 8)}`;
      env.env.CELERIAC_BROKER_URL = `${redisUrl}?prefix=${prefix}`;
      try {
        expectOncePerTick(await runWindow(killLeaderMidRun));
      } finally {
        await deleteRedisPrefix(prefix);
      }
    },
    120_000,
  );

  it('worker --beat runs the schedule inside the worker process', async () => {
    env = e2eEnv();
    start(['worker', '-c', '2', '--beat']);
    await until(() => ticks().length >= 3, 'three ticks', 60_000);
    expect(ticks().every((t) => t.runs === 1)).toBe(true);
  }, 120_000);
});
