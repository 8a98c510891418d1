import { afterEach, describe, expect, it } from 'vitest';
import { formatEntries, listEntries } from '../../src/cli/beat/beat-list.ts';
import { e2eEnv } from '../e2e/e2e-env.ts';
import { runCli, spawnCli } from '../e2e/worker-process.ts';
import { beatApp } from '../unit/beat/beat-fixture.ts';

const TASKS = new URL('../e2e/fixtures/beat-tasks.ts', import.meta.url).pathname;

describe('celeriac beat', () => {
  let env: ReturnType<typeof e2eEnv> | undefined;
  afterEach(async () => env?.cleanup());

  it('rejects a bad lease and an unknown action with exit code 2', async () => {
    env = e2eEnv();
    const lease = await runCli(['beat', '-A', TASKS, '--lease', 'forever'], env.env);
    expect(lease.code).toBe(2);
    expect(lease.output).toContain(
      `option '--lease <duration>' argument 'forever' is invalid. expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "forever"`,
    );
    const action = await runCli(['beat', 'lsit', '-A', TASKS], env.env);
    expect(action.code).toBe(2);
    expect(action.output).toContain(
      `error: command-argument value 'lsit' is invalid for argument 'action'. Allowed choices are list.`,
    );
  });

  it('lists the entries on the SQLite broker as a table and as JSON', async () => {
    env = e2eEnv();
    const table = await runCli(['beat', 'list', '-A', TASKS], env.env);
    expect(table.code).toBe(0);
    const lines = table.output.split('\n');
    expect(lines[0]).toMatch(/^name\s+schedule\s+task\s+next run\s+last run\s+source$/);
    expect(lines[1]).toMatch(
      /^nightly-report\s+cron 0 3 \* \* \* \(Europe\/Moscow\)\s+reports\.nightly\s+\S+T00:00:00\.000Z\s+-\s+code$/,
    );
    expect(lines[2]).toMatch(/^ping\s+every 30s\s+health\.ping\s+\S+:(00|30)\.000Z\s+-\s+code$/);
    const json = await runCli(['beat', 'list', '-A', TASKS, '--json'], env.env);
    const rows = JSON.parse(json.output) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.name, r.task, r.lastRun, r.source])).toEqual([
      ['nightly-report', 'reports.nightly', null, 'code'],
      ['ping', 'health.ping', null, 'code'],
    ]);
  });

  it('runs on SQLite: leads, and resigns on SIGTERM', async () => {
    env = e2eEnv();
    const beat = spawnCli(['beat', '-A', TASKS, '-l', 'info'], env.env);
    await beat.waitFor(/beat: leading/);
    beat.child.kill('SIGTERM');
    expect(await beat.exited).toBe(0);
    expect(beat.output()).toContain('beat: resigned leadership');
  });
});

describe('beat list on the memory broker', () => {
  it('shows the next run, and the last run once a tick fired', async () => {
    const { app, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1) + 100);
    app.schedule('every-10s', { every: '10s' }, report.s());
    const beat = scheduler('a');
    await beat.check();
    clock.advance(10_000);
    await beat.check();
    const rows = await listEntries(app, 'default', clock.ms);
    expect(rows).toEqual([
      {
        name: 'every-10s',
        source: 'code',
        schedule: 'every 10s',
        task: 'report',
        nextRun: '2025-01-01T00:00:20.000Z',
        lastRun: '2025-01-01T00:00:10.000Z',
      },
    ]);
    expect(formatEntries(rows)).toBe(
      'name       schedule   task    next run                  last run                  source\n' +
        'every-10s  every 10s  report  2025-01-01T00:00:20.000Z  2025-01-01T00:00:10.000Z  code\n',
    );
  });
});
