import { afterEach, describe, expect, it } from 'vitest';
import { e2eEnv, until } from './e2e-env.ts';
import { type CliProcess, killAll, spawnCli } from './worker-process.ts';

const TASKS = new URL('./fixtures/counting-tasks.ts', import.meta.url).pathname;
/** The line a worker logs at info level once it consumes. */
const ONLINE = /"msg":"worker online"/;

describe('worker processes on one SQLite file', () => {
  let env: ReturnType<typeof e2eEnv>;
  const workers: CliProcess[] = [];

  afterEach(async () => {
    await killAll(workers);
    await env.cleanup();
  });

  const startWorker = (...extra: string[]) => {
    const w = spawnCli(['worker', '-A', TASKS, '-c', '20', ...extra], env.env);
    workers.push(w);
    return w;
  };

  it('two workers run 10,000 tasks, each exactly once', async () => {
    env = e2eEnv();
    const ids = new Set<string>();
    for (let batch = 0; batch < 10; batch++) {
      const sent = await env.app.sendMany(
        'e2e.record',
        Array.from({ length: 1000 }, () => []),
        {},
      );
      for (const r of sent) ids.add(r.id);
    }
    expect(ids.size).toBe(10_000);
    startWorker();
    startWorker();
    await until(() => env.counts().total >= 10_000, '10,000 runs', 120_000);
    await until(async () => {
      const s = await env.app.broker.stats('e2e');
      return s.ready + s.reserved === 0;
    }, 'every ack');
    const counts = env.counts();
    expect(counts).toEqual({ total: 10_000, distinct: 10_000 });
    const perWorker = [...env.runsByPid().values()];
    expect(perWorker).toHaveLength(2);
    const stats = await env.app.broker.stats('e2e');
    expect(stats.ready + stats.delayed + stats.dead).toBe(0);
  });

  it('a worker killed with SIGKILL mid-run loses nothing; duplicates stay within what it held', async () => {
    env = e2eEnv();
    const total = 2000;
    const victim = startWorker('--lease', '2s', '-l', 'info');
    const survivor = startWorker('--lease', '2s', '-l', 'info');
    // Both online before the tasks exist: a worker that starts late (a cold transpile cache)
    // would otherwise find the other one done with all of them.
    await Promise.all([victim.waitFor(ONLINE), survivor.waitFor(ONLINE)]);
    await env.app.sendMany(
      'e2e.record',
      Array.from({ length: total }, () => [5]),
      {},
    );
    const victimRuns = () => env.runsByPid().get(victim.child.pid ?? -1) ?? 0;
    await until(() => victimRuns() >= 100, 'the victim to run 100 tasks');
    victim.child.kill('SIGKILL');
    await victim.exited;
    await until(() => env.counts().distinct >= total, `all ${total} tasks`, 120_000);
    const counts = env.counts();
    expect(counts.distinct).toBe(total);
    expect(victimRuns()).toBeGreaterThanOrEqual(100);
    expect(victimRuns()).toBeLessThan(total);
    // Only tasks the killed worker was running (at most its concurrency) may have run twice.
    expect(counts.total - counts.distinct).toBeLessThanOrEqual(20);
  });

  it('a countdown far longer than the lease runs exactly once', async () => {
    env = e2eEnv();
    startWorker('--lease', '1s');
    startWorker('--lease', '1s');
    const result = await env.app.sendTask('e2e.record', [], { countdown: '4s' });
    const stats = await env.app.broker.stats('e2e');
    expect(stats.delayed).toBe(1);
    await until(() => env.counts().total >= 1, 'the delayed task', 30_000);
    // Three more lease periods: a visibility-timeout design would have redelivered by now.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(env.counts()).toEqual({ total: 1, distinct: 1 });
    expect(result.id).toMatch(/[0-9a-f-]{36}/);
  });
});
