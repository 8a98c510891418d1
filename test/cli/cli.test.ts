import { afterEach, describe, expect, it } from 'vitest';
import { e2eEnv, until } from '../e2e/e2e-env.ts';
import { runCli, spawnCli } from '../e2e/worker-process.ts';

const TASKS = new URL('../e2e/fixtures/counting-tasks.ts', import.meta.url).pathname;
const BROKEN = new URL('../e2e/fixtures/broken-module.ts', import.meta.url).pathname;

describe('celeriac CLI', () => {
  let env: ReturnType<typeof e2eEnv>;
  afterEach(async () => env?.cleanup());

  it('rejects an unknown flag with usage and exit code 2', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', TASKS, '--bogus'], env.env);
    expect(code).toBe(2);
    expect(output).toContain("error: unknown option '--bogus'");
    expect(output).toContain('Usage: celeriac worker [options]');
  });

  it('rejects a malformed concurrency with exit code 2', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', TASKS, '-c', 'lots'], env.env);
    expect(code).toBe(2);
    expect(output).toContain(
      `option '-c, --concurrency <n>' argument 'lots' is invalid. expected a positive integer, got "lots"`,
    );
  });

  it('reports a task module that fails to load with its own error, not internals', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', BROKEN], env.env);
    expect(code).toBe(1);
    expect(output).toContain(
      `celeriac: could not load task module ${BROKEN}: TypeError: Cannot read properties of undefined (reading 'url')`,
    );
    expect(output).toContain('broken-module.ts:6');
    expect(output).not.toContain('node:internal');
  });

  it('reports a missing task module', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', './no/such/tasks.ts'], env.env);
    expect(code).toBe(1);
    expect(output).toContain('celeriac: task module not found: ./no/such/tasks.ts');
  });

  it('names the environment variable of an invalid config value', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', TASKS], {
      ...env.env,
      CELERIAC_CONCURRENCY: 'many',
    });
    expect(code).toBe(1);
    expect(output).toContain(
      'celeriac: invalid config "CELERIAC_CONCURRENCY (worker.concurrency)": expected an integer, got "many"',
    );
  });

  it('sends a task, shows it in status, and purges only with confirmation', async () => {
    env = e2eEnv();
    const sent = await runCli(['send', 'e2e.record', '--args', '[0]', '--queue', 'e2e'], env.env);
    expect(sent.code).toBe(0);
    expect(sent.output).toMatch(/^[0-9a-f-]{36}$/);
    const status = await runCli(['status', '--json'], env.env);
    expect(JSON.parse(status.output)).toEqual([
      { queue: 'e2e', ready: 1, reserved: 0, delayed: 0, dead: 0 },
    ]);
    const refused = await runCli(['purge', 'e2e'], env.env);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('refusing to delete without confirmation');
    expect((await env.app.broker.stats('e2e')).ready).toBe(1);
    const purged = await runCli(['purge', 'e2e', '--force'], env.env);
    expect(purged.output).toBe('purged 1 messages from "e2e"');
    expect((await env.app.broker.stats('e2e')).ready).toBe(0);
  });

  it('rejects bad --args JSON with exit code 2', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['send', 'e2e.record', '--args', '{oops'], env.env);
    expect(code).toBe(2);
    expect(output).toContain("option '--args <json>' argument '{oops' is invalid. not valid JSON");
  });

  it('dead-letters malformed and unknown messages while good tasks run; dlq lists, requeues, purges', async () => {
    env = e2eEnv();
    const encode = (text: string) => new TextEncoder().encode(text);
    await env.app.sendMany('e2e.record', [[], [], []], {});
    await env.app.broker.enqueue([{ id: 'garbage-1', queue: 'e2e', body: encode('{not json') }]);
    await env.app.sendTask('e2e.no_such_task', [], { id: 'unknown-1' });
    await env.app.sendMany('e2e.record', [[], []], {});
    const worker = spawnCli(['worker', '-A', TASKS, '-c', '2'], env.env);
    await until(
      async () => (await env.app.broker.stats('e2e')).dead === 2 && env.counts().total === 5,
      'dead letters',
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(env.counts()).toEqual({ total: 5, distinct: 5 });

    const list = await runCli(['dlq', 'list', '--json'], env.env);
    const letters = list.output
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; reason: string });
    expect(letters.map((l) => [l.id, l.reason.split(':')[0]])).toEqual([
      ['garbage-1', 'malformed message'],
      ['unknown-1', 'unknown task "e2e.no_such_task"'],
    ]);
    expect(letters[0]?.reason).toContain('malformed message: body is not valid JSON');

    const requeued = await runCli(['dlq', 'requeue', 'unknown-1'], env.env);
    expect(requeued.output).toBe('requeued 1 messages');
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 1, dead: 1 });
    const noIds = await runCli(['dlq', 'requeue'], env.env);
    expect(noIds.code).toBe(2);
    expect(noIds.output).toContain('name the message ids to requeue, or pass --all');
    const purged = await runCli(['dlq', 'purge', '--force'], env.env);
    expect(purged.output).toBe('deleted 1 dead letters');
  });

  it('SIGTERM lets running tasks finish; unfinished ones return to the queue after the timeout', async () => {
    env = e2eEnv();
    await env.app.sendMany('e2e.hang', [[], [], []], {});
    const worker = spawnCli(
      ['worker', '-A', TASKS, '-c', '3', '--shutdown-timeout', '300ms'],
      env.env,
    );
    await until(() => env.counts().total === 3, 'three running tasks');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 3, reserved: 0, dead: 0 });
  });

  it('a second SIGTERM returns running tasks at once', async () => {
    env = e2eEnv();
    await env.app.sendMany('e2e.hang', [[], []], {});
    const worker = spawnCli(
      ['worker', '-A', TASKS, '-c', '2', '--shutdown-timeout', '10m', '-l', 'info'],
      env.env,
    );
    await until(() => env.counts().total === 2, 'two running tasks');
    worker.child.kill('SIGTERM');
    await worker.waitFor(/worker stopping/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 2, reserved: 0 });
  });
});
