import { afterEach, describe, expect, it } from 'vitest';
import { e2eEnv, until } from '../e2e/e2e-env.ts';
import { runCli, spawnCli } from '../e2e/worker-process.ts';

const TASKS = new URL('../e2e/fixtures/counting-tasks.ts', import.meta.url).pathname;

describe('celeriac worker pool flags', () => {
  let env: ReturnType<typeof e2eEnv>;
  afterEach(async () => env?.cleanup());

  it.each([
    [
      ['--pool', 'fork'],
      "option '-P, --pool <name>' argument 'fork' is invalid. Allowed choices are async, threads, process.",
    ],
    [
      ['--pool', 'process', '--max-memory-per-child', '200'],
      `option '--max-memory-per-child <size>' argument '200' is invalid. expected a size such as 200MB or 1.5GB, got "200"`,
    ],
    [
      ['--autoscale', '3,10'],
      "option '--autoscale <max,min>' argument '3,10' is invalid. autoscale needs 1 ≤ min ≤ max, got max 3, min 10",
    ],
    [
      ['--autoscale', 'ten'],
      `option '--autoscale <max,min>' argument 'ten' is invalid. expected max,min such as 10,3, got "ten"`,
    ],
    [
      ['--max-tasks-per-child', '100'],
      'celeriac: maxTasksPerChild applies to the threads and process pools, not to async',
    ],
  ])('rejects %j with exit code 2', async (flags, message) => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', TASKS, ...flags], env.env);
    expect(code).toBe(2);
    expect(output).toContain(message);
  });

  it('runs every task once in a process pool started from the command line', async () => {
    env = e2eEnv();
    await env.app.sendMany(
      'e2e.record',
      Array.from({ length: 30 }, () => []),
      {},
    );
    const worker = spawnCli(['worker', '-A', TASKS, '--pool', 'process', '-c', '2'], env.env);
    await until(() => env.counts().total >= 30, '30 runs');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(env.counts()).toEqual({ total: 30, distinct: 30 });
    // The runs were recorded by the two children, not by the worker process.
    const pids = [...env.runsByPid().keys()];
    expect(pids).not.toContain(worker.child.pid);
    expect(pids.length).toBeGreaterThanOrEqual(1);
    expect((await env.app.broker.stats('e2e')).reserved).toBe(0);
  });
});
