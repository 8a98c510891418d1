import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, readPid } from '../../src/cli/multi/pidfile.ts';
import { e2eEnv, until } from '../e2e/e2e-env.ts';
import { runCli } from '../e2e/worker-process.ts';

const TASKS = new URL('../e2e/fixtures/counting-tasks.ts', import.meta.url).pathname;
const HOST = hostname();

describe('celeriac multi', () => {
  let env: ReturnType<typeof e2eEnv>;
  afterEach(async () => {
    if (!env) return;
    await killNodes(env.dir);
    await env.cleanup();
  });

  /** `celeriac multi <args>` with its pid and log files in the test's folder. */
  const multi = (...args: string[]) =>
    runCli(
      [
        'multi',
        ...args,
        '--pidfile',
        join(env.dir, '%n.pid'),
        '--logfile',
        join(env.dir, '%n.log'),
      ],
      env.env,
    );
  const pidOf = (node: string) => readPid(join(env.dir, `${node}.pid`)) as number;

  it('starts two nodes with their own options, runs tasks on them, stops them gracefully', async () => {
    env = e2eEnv();
    const started = await multi('start', 'high', 'low', '-A', TASKS, '-c:high', '2', '-c:low', '3');
    expect(started.code).toBe(0);
    const [high, low] = [pidOf('high'), pidOf('low')];
    expect(started.output).toBe(
      `> high@${HOST}: started (pid ${high})\n> low@${HOST}: started (pid ${low})`,
    );
    expect([isAlive(high), isAlive(low)]).toEqual([true, true]);
    expect(commandLine(high)).toContain(
      `worker --hostname high@${HOST} --app ${TASKS} --concurrency 2`,
    );
    expect(commandLine(low)).toContain(
      `worker --hostname low@${HOST} --app ${TASKS} --concurrency 3`,
    );
    expect(existsSync(join(env.dir, 'high.log'))).toBe(true);
    expect(await multi('status', 'high', 'low')).toEqual({
      code: 0,
      output: `high: running (pid ${high})\nlow: running (pid ${low})`,
    });

    await env.app.sendMany(
      'e2e.record',
      Array.from({ length: 20 }, () => [10]),
      {},
    );
    await until(() => env.counts().total === 20, 'twenty runs');
    expect([...env.runsByPid().keys()].every((pid) => pid === high || pid === low)).toBe(true);
    // Tasks still running when stop is asked for finish before the nodes exit.
    await env.app.sendMany('e2e.record', [[1500], [1500]], {});
    await until(() => env.counts().total === 22, 'two long tasks running');

    const stopped = await multi('stop', 'high', 'low');
    expect(stopped.code).toBe(0);
    expect(stopped.output.split('\n').sort()).toEqual([
      `> high@${HOST}: stopped`,
      `> high@${HOST}: stopping (SIGTERM to pid ${high})`,
      `> low@${HOST}: stopped`,
      `> low@${HOST}: stopping (SIGTERM to pid ${low})`,
    ]);
    expect([isAlive(high), isAlive(low)]).toEqual([false, false]);
    expect(readdirSync(env.dir).filter((f) => f.endsWith('.pid'))).toEqual([]);
    expect(env.counts()).toEqual({ total: 22, distinct: 22 });
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 0, reserved: 0, dead: 0 });
    expect(await multi('status', 'high', 'low')).toEqual({
      code: 3,
      output: 'high: stopped\nlow: stopped',
    });
  });

  it('refuses to start a running node, restarts it, kills it, and replaces a stale pid file', async () => {
    env = e2eEnv();
    expect((await multi('start', 'solo', '-A', TASKS)).code).toBe(0);
    const first = pidOf('solo');
    expect(await multi('start', 'solo', '-A', TASKS)).toEqual({
      code: 1,
      output: `> solo@${HOST}: already running (pid ${first}), not started`,
    });
    expect(pidOf('solo')).toBe(first);

    const restarted = await multi('restart', 'solo', '-A', TASKS);
    const second = pidOf('solo');
    expect(restarted).toEqual({
      code: 0,
      output: [
        `> solo@${HOST}: stopping (SIGTERM to pid ${first})`,
        `> solo@${HOST}: stopped`,
        `> solo@${HOST}: started (pid ${second})`,
      ].join('\n'),
    });
    expect([isAlive(first), isAlive(second)]).toEqual([false, true]);

    expect(await multi('kill', 'solo')).toEqual({
      code: 0,
      output: `> solo@${HOST}: killed (pid ${second})`,
    });
    expect(isAlive(second)).toBe(false);
    expect(await multi('status', 'solo')).toEqual({ code: 3, output: 'solo: stopped' });
    expect(await multi('stop', 'solo')).toEqual({ code: 0, output: `> solo@${HOST}: not running` });

    const pidfile = join(env.dir, 'solo.pid');
    writeFileSync(pidfile, `${second}\n`);
    expect(await multi('status', 'solo')).toEqual({
      code: 3,
      output: `solo: stale pid file (pid ${second} is not running)`,
    });
    const again = await multi('start', 'solo', '-A', TASKS);
    expect(again).toEqual({
      code: 0,
      output: `> solo@${HOST}: removed stale pid file ${pidfile}\n> solo@${HOST}: started (pid ${pidOf('solo')})`,
    });
    expect(isAlive(pidOf('solo'))).toBe(true);
  });

  it('stop gives up after --timeout, names the node still running and keeps its pid file', async () => {
    env = e2eEnv();
    await multi('start', 'busy', '-A', TASKS, '--shutdown-timeout', '10m');
    const pid = pidOf('busy');
    await env.app.sendTask('e2e.hang', []);
    await until(() => env.counts().total === 1, 'a hanging task');
    expect(await multi('stop', 'busy', '--timeout', '500ms')).toEqual({
      code: 1,
      output: [
        `> busy@${HOST}: stopping (SIGTERM to pid ${pid})`,
        `> busy@${HOST}: still running after 500ms (pid ${pid})`,
      ].join('\n'),
    });
    expect(isAlive(pid)).toBe(true);
    expect(pidOf('busy')).toBe(pid);
    expect((await multi('kill', 'busy')).output).toBe(`> busy@${HOST}: killed (pid ${pid})`);
  });

  it('refuses bad input before starting anything', async () => {
    env = e2eEnv();
    const unknownNode = await multi('start', 'high', 'low', '-A', TASKS, '-c:medium', '2');
    expect(unknownNode).toEqual({
      code: 2,
      output: 'celeriac: multi: option -c:medium names an unknown node "medium" (nodes: high, low)',
    });
    const noModule = await multi('start', 'high', '-A', './no/such/tasks.ts');
    expect(noModule).toEqual({
      code: 1,
      output: 'celeriac: task module not found: ./no/such/tasks.ts',
    });
    expect(readdirSync(env.dir).filter((f) => /\.(pid|log)$/.test(f))).toEqual([]);
    const help = await runCli(['multi', '--help'], env.env);
    expect(help.code).toBe(0);
    expect(help.output).toContain(
      'Usage: celeriac multi <start|stop|restart|status|kill> <node...>',
    );
    expect(help.output).toContain('-x:node or --xxx:node applies to that node only');
  });
});

/** The command line of a process, as `ps` shows it. */
function commandLine(pid: number): string {
  return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
}

/** Kills every node a test left behind, by its pid file, and waits until each is gone. */
async function killNodes(dir: string): Promise<void> {
  const pids = readdirSync(dir)
    .filter((file) => file.endsWith('.pid'))
    .map((file) => readPid(join(dir, file)))
    .filter((pid): pid is number => pid !== undefined && isAlive(pid));
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await until(() => pids.every((pid) => !isAlive(pid)), 'left-over nodes to exit');
}
