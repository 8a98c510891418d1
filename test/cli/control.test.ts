import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, SqliteBroker } from '../../src/index.ts';
import { runCli } from '../e2e/worker-process.ts';

const TASKS = new URL('../e2e/fixtures/rate-tasks.ts', import.meta.url).pathname;

describe('celeriac control rate-limit', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-control-'));
    env = {
      CELERIAC_BROKER_URL: `sqlite://${join(dir, 'broker.db')}`,
      E2E_RUNS_DB: join(dir, 'runs.db'),
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const overrides = async () => {
    const broker = new SqliteBroker({ path: join(dir, 'broker.db') });
    try {
      return await broker.rates.overrides();
    } finally {
      await broker.close();
    }
  };

  it('sets, lists, turns off and resets a limit in the broker', async () => {
    const set = await runCli(['control', 'rate-limit', '-A', TASKS, 'rate.slow', '10/s'], env);
    expect(set.output).toBe('rate limit of "rate.slow" set to 10/s for every worker');
    expect(set.code).toBe(0);
    expect(await overrides()).toEqual(
      new Map([['rate.slow', { count: 10, perMs: 1000, burst: 1 }]]),
    );
    const list = await runCli(['control', 'rate-limits', '-A', TASKS], env);
    expect(list.output).toBe('rate.slow  10/s');
    const off = await runCli(['control', 'rate-limit', '-A', TASKS, 'rate.slow', 'off'], env);
    expect(off.output).toBe('rate limit of "rate.slow" set to off for every worker');
    expect(await overrides()).toEqual(new Map([['rate.slow', 'off']]));
    const reset = await runCli(['control', 'rate-limit', '-A', TASKS, 'rate.slow', 'reset'], env);
    expect(reset.output).toBe(
      `rate limit of "rate.slow" reset to its code's, 1/s, for every worker`,
    );
    expect(await overrides()).toEqual(new Map());
  });

  it('names an unknown task, exit code 2', async () => {
    const { code, output } = await runCli(
      ['control', 'rate-limit', '-A', TASKS, 'rate.nope', '10/s'],
      env,
    );
    expect(code).toBe(2);
    expect(output).toBe('celeriac: unknown task "rate.nope": it is not registered on this app');
  });

  it('rejects a malformed rate and a task without a limit, exit code 2', async () => {
    const bad = await runCli(['control', 'rate-limit', '-A', TASKS, 'rate.slow', 'fast'], env);
    expect(bad.code).toBe(2);
    expect(bad.output).toBe(
      'celeriac: invalid rate limit for task "rate.slow": expected a rate such as "70/s", "100/m" or "0.5/s" (a count above zero per s, m or h), got "fast", "off" or "reset"',
    );
    const free = await runCli(['control', 'rate-limit', '-A', TASKS, 'rate.free', '10/s'], env);
    expect(free.code).toBe(2);
    expect(free.output).toBe(
      'celeriac: task "rate.free" has no rateLimit option: runtime changes apply to rate-limited tasks only',
    );
    expect(await overrides()).toEqual(new Map());
  });

  it('needs -A to know the tasks', async () => {
    const { code, output } = await runCli(['control', 'rate-limit', 'rate.slow', '10/s'], env);
    expect(code).toBe(2);
    expect(output).toBe('celeriac: control rate-limit needs -A <module> to know the tasks');
  });

  it('is read by an app in another process', async () => {
    await runCli(['control', 'rate-limit', '-A', TASKS, 'rate.slow', '2/m'], env);
    const app = createApp({ broker: env.CELERIAC_BROKER_URL, logLevel: 'silent' }, {});
    app.task('rate.slow', { rateLimit: '1/s' }, async () => undefined);
    try {
      expect(await app.control.rateLimits()).toEqual(new Map([['rate.slow', '2/m']]));
    } finally {
      await app.close();
    }
  });
});
