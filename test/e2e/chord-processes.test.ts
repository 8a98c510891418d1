import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { chord, createApp } from '../../src/index.ts';
import { e2eEnv, until } from './e2e-env.ts';
import { type CliProcess, killAll, spawnCli } from './worker-process.ts';

const TASKS = new URL('./fixtures/chord-tasks.ts', import.meta.url).pathname;
const ONLINE = /"msg":"worker online"/;
const MEMBERS = 1000;

describe('a chord across worker processes on one SQLite file', () => {
  let env: ReturnType<typeof e2eEnv>;
  const workers: CliProcess[] = [];

  afterEach(async () => {
    await killAll(workers);
    await env.cleanup();
  });

  it('two worker processes run 1,000 members; the callback runs exactly once, values in order', async () => {
    env = e2eEnv();
    const backendUrl = `sqlite://${join(env.dir, 'results.db')}`;
    const workerEnv = { ...env.env, CELERIAC_RESULT_BACKEND: backendUrl };
    for (let i = 0; i < 2; i++) {
      const w = spawnCli(['worker', '-A', TASKS, '-c', '10', '-l', 'info'], workerEnv);
      workers.push(w);
    }
    await Promise.all(workers.map((w) => w.waitFor(ONLINE)));
    // A producer that registers no tasks sends by name, as a separate service would.
    const producer = createApp(
      {
        broker: env.env.CELERIAC_BROKER_URL,
        backend: backendUrl,
        defaultQueue: 'e2e',
        logLevel: 'silent',
      },
      {},
    );
    const members = Array.from({ length: MEMBERS }, (_, n) =>
      producer.signature<number>('e2e.square', [n]),
    );
    const result = await chord(members, producer.signature<number>('e2e.collect')).applyAsync();
    expect(await result.get({ timeout: '120s' })).toBe(MEMBERS);
    await until(async () => {
      const s = await env.app.broker.stats('e2e');
      return s.ready + s.reserved === 0;
    }, 'every ack');
    const runs = new Database(env.env.E2E_RUNS_DB);
    const bodies = runs.prepare('SELECT pid, payload FROM bodies').all() as Array<{
      payload: string;
    }>;
    const ran = runs
      .prepare('SELECT COUNT(DISTINCT task_id) AS n, COUNT(DISTINCT pid) AS pids FROM runs')
      .get() as {
      n: number;
      pids: number;
    };
    runs.close();
    await producer.close();
    expect(ran.n).toBe(MEMBERS);
    // Both processes ran members, so the join was contended across processes.
    expect(ran.pids).toBe(2);
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0]?.payload ?? '[]')).toEqual(
      Array.from({ length: MEMBERS }, (_, n) => n * n),
    );
  }, 180_000);
});
