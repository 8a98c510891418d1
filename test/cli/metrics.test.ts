import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Broker, SqliteBroker } from '../../src/index.ts';
import { e2eEnv, until } from '../e2e/e2e-env.ts';
import { type CliProcess, runCli, spawnCli } from '../e2e/worker-process.ts';
import { get, scrape } from '../support/prometheus-text.ts';

const TASKS = new URL('../e2e/fixtures/counting-tasks.ts', import.meta.url).pathname;
const METRICS_LINE = /metrics on http:\/\/0\.0\.0\.0:(\d+)/;

/** The local address of the metrics port the process logged. */
async function metricsBase(cli: CliProcess): Promise<string> {
  const line = await cli.waitFor(METRICS_LINE);
  return `http://127.0.0.1:${METRICS_LINE.exec(line)?.[1]}`;
}

/** A port held by this test process on every interface. */
async function occupiedPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return server;
}

describe('metrics from the CLI', () => {
  let env: ReturnType<typeof e2eEnv> | undefined;
  const children: CliProcess[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.child.exitCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    for (const server of servers.splice(0)) server.close();
    await env?.cleanup();
    env = undefined;
  });

  const spawn = (args: string[]) => {
    const cli = spawnCli(args, env?.env);
    children.push(cli);
    return cli;
  };

  it('rejects a port that is not one, exit code 2', async () => {
    env = e2eEnv();
    const exporter = await runCli(['exporter', '--port', '99999'], env.env);
    expect(exporter.code).toBe(2);
    expect(exporter.output).toContain(
      `option '--port <port>' argument '99999' is invalid. expected a port from 0 to 65535, got "99999"`,
    );
    const worker = await runCli(['worker', '-A', TASKS, '--metrics-port', 'http'], env.env);
    expect(worker.code).toBe(2);
    expect(worker.output).toContain(
      `option '--metrics-port <port>' argument 'http' is invalid. expected a port from 0 to 65535, got "http"`,
    );
  });

  it('names the metrics port in use, exit code 1, before the worker takes a task', async () => {
    env = e2eEnv();
    const held = await occupiedPort();
    servers.push(held);
    const port = String((held.address() as { port: number }).port);
    await env.app.sendMany('e2e.record', [[]], {});
    const worker = await runCli(['worker', '-A', TASKS, '--metrics-port', port], env.env);
    expect(worker.code).toBe(1);
    expect(worker.output).toContain(`celeriac: metrics port ${port} is in use`);
    expect(env.counts().total).toBe(0);
    const exporter = await runCli(['exporter', '--port', port], env.env);
    expect(exporter.code).toBe(1);
    expect(exporter.output).toContain(`celeriac: metrics port ${port} is in use`);
  });

  it('names an invalid metrics port in the config', async () => {
    env = e2eEnv();
    const { code, output } = await runCli(['worker', '-A', TASKS], {
      ...env.env,
      CELERIAC_METRICS_PORT: '70000',
    });
    expect(code).toBe(1);
    expect(output).toContain(
      'celeriac: invalid config "CELERIAC_METRICS_PORT (worker.metricsPort)": expected a port from 0 to 65535, got 70000',
    );
  });

  it('the exporter serves queue depths and probes, and stops on SIGTERM', async () => {
    env = e2eEnv();
    await env.app.sendMany('e2e.record', [[], [], []], {});
    const exporter = spawn(['exporter', '--port', '0', '-l', 'info']);
    const base = await metricsBase(exporter);
    const out = await scrape(base);
    expect(out.value('celeriac_queue_messages', { queue: 'e2e', state: 'ready' })).toBe(3);
    expect(out.value('celeriac_broker_up')).toBe(1);
    expect(out.type('celeriac_tasks_total')).toBe('COUNTER');
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: 'ok\n' });
    exporter.child.kill('SIGTERM');
    expect(await exporter.exited).toBe(0);
  });

  it('a worker with --metrics-port serves probes, its gauges and queue depths', async () => {
    env = e2eEnv();
    await env.app.sendMany('e2e.record', [[], []], {});
    const worker = spawn([
      'worker',
      '-A',
      TASKS,
      '-c',
      '3',
      '-n',
      'm1@test',
      '--metrics-port',
      '0',
      '-l',
      'info',
    ]);
    const base = await metricsBase(worker);
    await worker.waitFor(/worker online/);
    await until(() => env?.counts().total === 2, 'two runs');
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200 });
    const out = await scrape(base);
    expect(out.value('celeriac_worker_concurrency', { worker: 'm1@test' })).toBe(3);
    expect(out.value('celeriac_worker_up', { worker: 'm1@test' })).toBe(1);
    expect(out.type('celeriac_queue_messages')).toBe('GAUGE');
    expect(out.type('process_resident_memory_bytes')).toBe('GAUGE');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('CELERIAC_METRICS_PORT turns the metrics port on, --no-queue-metrics leaves depths off', async () => {
    env = e2eEnv();
    const worker = spawnCli(['worker', '-A', TASKS, '-l', 'info', '--no-queue-metrics'], {
      ...env.env,
      CELERIAC_METRICS_PORT: '0',
    });
    children.push(worker);
    const out = await scrape(await metricsBase(worker));
    expect(out.names()).not.toContain('celeriac_queue_messages');
    expect(out.names()).toContain('celeriac_worker_up');
  });

  // Needs workers to emit ClusterEvents into app.events.
  it("a worker's /metrics counts the tasks it ran", async () => {
    env = e2eEnv();
    await env.app.sendMany('e2e.record', [[], [], []], {});
    const worker = spawn(['worker', '-A', TASKS, '--metrics-port', '0', '-l', 'info']);
    const base = await metricsBase(worker);
    const succeeded = async () =>
      (await scrape(base)).value('celeriac_tasks_total', {
        task: 'e2e.record',
        queue: 'e2e',
        state: 'succeeded',
      });
    await until(async () => (await succeeded()) === 3, 'three successes on /metrics', 15_000);
  });

  // Needs `worker --events` and a SQLite broker that carries events between processes.
  const probe: Broker = new SqliteBroker({ path: join('unused', 'probe.db') });
  const broadcasts = probe.broadcast !== undefined;
  it.skipIf(!broadcasts)(
    'the exporter counts the tasks of workers started with --events',
    async () => {
      env = e2eEnv();
      const exporter = spawn(['exporter', '--port', '0', '-l', 'info']);
      const base = await metricsBase(exporter);
      const worker = spawn(['worker', '-A', TASKS, '--events', '-n', 'ev@test']);
      await env.app.sendMany('e2e.record', [[], [], [], []], {});
      const succeeded = async () =>
        (await scrape(base)).value('celeriac_tasks_total', {
          task: 'e2e.record',
          queue: 'e2e',
          state: 'succeeded',
        });
      await until(async () => (await succeeded()) === 4, 'four successes on the exporter', 15_000);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    },
  );
});
