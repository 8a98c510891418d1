import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';
import { e2eEnv, until } from './e2e-env.ts';
import { type CliProcess, killAll, runCli, spawnCli } from './worker-process.ts';

const TASKS = new URL('./fixtures/control-tasks.ts', import.meta.url).pathname;
const ONLINE = /"msg":"worker online"/;

const KINDS = redisAvailable ? ['sqlite', 'redis'] : ['sqlite'];

/** A fresh environment; on Redis the broker is a fresh key prefix on the shared server. */
function controlEnv(kind: string) {
  const made = e2eEnv();
  if (kind !== 'redis') return { ...made, prefix: undefined };
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  made.env.CELERIAC_BROKER_URL = `${redisUrl.split('?')[0]}?prefix=${prefix}`;
  return { ...made, prefix };
}

describe.each(KINDS)('inspect and control against worker processes on %s', (kind) => {
  let env: ReturnType<typeof controlEnv>;
  const workers: CliProcess[] = [];

  afterEach(async () => {
    await killAll(workers);
    await env.cleanup();
    if (env.prefix) await deleteRedisPrefix(env.prefix);
  });

  const startWorker = (name: string, extra: string[] = [], vars: Record<string, string> = {}) => {
    const w = spawnCli(['worker', '-A', TASKS, '-n', name, '-l', 'info', ...extra], {
      ...env.env,
      ...vars,
    });
    workers.push(w);
    return w.waitFor(ONLINE);
  };

  it('inspect answers from two workers, as text and JSON; control shutdown stops one', async () => {
    env = controlEnv(kind);
    await Promise.all([startWorker('w1@e2e'), startWorker('w2@e2e', ['-Q', 'e2e,other'])]);
    const ping = await runCli(['inspect', 'ping', '--json'], env.env);
    expect(ping.code).toBe(0);
    expect(JSON.parse(ping.output)).toEqual({ 'w1@e2e': 'pong', 'w2@e2e': 'pong' });
    const queues = await runCli(['inspect', 'active-queues'], env.env);
    expect(queues.output).toBe(
      [
        '-> w1@e2e: OK',
        '    * e2e',
        '-> w2@e2e: OK',
        '    * e2e',
        '    * other',
        '',
        '2 nodes replied.',
      ].join('\n'),
    );
    const registered = await runCli(['inspect', 'registered', '-d', 'w2@e2e', '--json'], env.env);
    const names = (JSON.parse(registered.output)['w2@e2e'] as Array<{ name: string }>).map(
      (t) => t.name,
    );
    expect(names).toEqual(expect.arrayContaining(['ctl.stuck', 'ctl.record']));
    const shutdown = await runCli(['control', 'shutdown', '-d', 'w1@e2e'], env.env);
    expect(shutdown.output).toContain('-> w1@e2e: shutting down');
    expect(await workers[0]?.exited).toBe(0);
    const after = await runCli(['inspect', 'ping', '--json'], env.env);
    expect(Object.keys(JSON.parse(after.output))).toEqual(['w2@e2e']);
  });

  it('bad input: no live worker, an unknown destination, an unknown command', async () => {
    env = controlEnv(kind);
    const none = await runCli(['inspect', 'ping'], env.env);
    expect(none.code).toBe(1);
    expect(none.output).toBe('celeriac: no reply from any worker within 1s');
    await startWorker('w1@e2e');
    const unknown = await runCli(['inspect', 'stats', '-d', 'nope@e2e'], env.env);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toBe(
      'celeriac: unknown destination "nope@e2e": no live worker has that name (live workers: w1@e2e)',
    );
    const command = await runCli(['control', 'explode'], env.env);
    expect(command.code).toBe(2);
    expect(command.output).toContain("error: unknown command 'explode'");
    const timeout = await runCli(['inspect', 'ping', '--timeout', 'soon'], env.env);
    expect(timeout.code).toBe(2);
    expect(timeout.output).toContain('celeriac: --timeout:');
    // The worker answered nothing wrong and still runs tasks.
    const app = createApp({ broker: env.env.CELERIAC_BROKER_URL, logLevel: 'silent' }, {});
    await app.sendTask('ctl.record', [], { queue: 'e2e' });
    await until(() => env.counts().total === 1, 'the task after bad input');
    await app.close();
  });

  it.each(['process', 'threads'])(
    'revoke --terminate stops a task running in the %s pool; the next task runs',
    async (pool) => {
      env = controlEnv(kind);
      const backend = `sqlite://${join(env.dir, 'results.db')}`;
      await startWorker('w1@e2e', ['-P', pool, '-c', '1'], { CELERIAC_RESULT_BACKEND: backend });
      const app = createApp(
        { broker: env.env.CELERIAC_BROKER_URL, backend, logLevel: 'silent' },
        {},
      );
      try {
        const stuck = await app.sendTask('ctl.stuck', [], { queue: 'e2e' });
        await until(() => env.counts().total === 1, 'the stuck task to start');
        const active = await runCli(['inspect', 'active', '--json'], env.env);
        expect(JSON.parse(active.output)['w1@e2e']).toMatchObject([
          { id: stuck.id, task: 'ctl.stuck' },
        ]);
        const revoke = await runCli(['control', 'revoke', stuck.id, '--terminate'], env.env);
        expect(revoke.code).toBe(0);
        expect(revoke.output).toContain(`-> w1@e2e: terminated ${stuck.id}`);
        await until(async () => (await stuck.state()) === 'REVOKED', 'the REVOKED state');
        const next = await app.sendTask('ctl.record', [], { queue: 'e2e' });
        expect(await next.get({ timeout: '30s' })).toEqual(expect.any(Number));
        expect(await app.broker.listDeadLetters()).toEqual([]);
      } finally {
        await app.close();
      }
    },
  );
});
