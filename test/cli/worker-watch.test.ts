import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { e2eEnv, until } from '../e2e/e2e-env.ts';
import { type CliProcess, runCli, spawnCli } from '../e2e/worker-process.ts';

// The task module lives in a temp folder, as a user's would: it imports Celeriac and
// better-sqlite3 by absolute URL, and VERSION from a file beside it (or from elsewhere).
const CELERIAC = pathToFileURL(new URL('../../src/index.ts', import.meta.url).pathname).href;
const SQLITE = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;

function tasksSource(versionFrom: string, version = 'VERSION'): string {
  return `import Database from '${SQLITE}';
import { createApp } from '${CELERIAC}';
import { VERSION } from '${versionFrom}';

const runs = new Database(process.env.E2E_RUNS_DB as string);
runs.pragma('busy_timeout = 10000');
runs.pragma('journal_mode = WAL');
runs.exec('CREATE TABLE IF NOT EXISTS watch_runs (task_id TEXT, version INTEGER, pid INTEGER)');
runs.exec('CREATE TABLE IF NOT EXISTS watch_workers (pid INTEGER)');
runs.prepare('INSERT INTO watch_workers VALUES (?)').run(process.pid);
const insert = runs.prepare('INSERT INTO watch_runs VALUES (?, ?, ?)');
void VERSION;

export const app = createApp({ defaultQueue: 'e2e' });

export const record = app.task('watch.record', async (ctx, ms?: number) => {
  insert.run(ctx.id, ${version}, process.pid);
  if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
});

export const hang = app.task('watch.hang', async (ctx) => {
  insert.run(ctx.id, ${version}, process.pid);
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
});
`;
}

const versionSource = (n: number) => `export const VERSION = ${n};\n`;

/** A temp folder that is an ES module package, as a project's is. */
function packageDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

/** A task module folder: tasks.ts importing VERSION from lib/version.ts. */
function taskModule() {
  const dir = packageDir('celeriac-watch-app-');
  mkdirSync(join(dir, 'lib'));
  const tasks = join(dir, 'tasks.ts');
  const version = join(dir, 'lib/version.ts');
  writeFileSync(version, versionSource(1));
  writeFileSync(tasks, tasksSource('./lib/version.ts'));
  return { dir, tasks, version };
}

describe('celeriac worker --watch', () => {
  let env: ReturnType<typeof e2eEnv>;
  let runs: Database.Database | undefined;
  const dirs: string[] = [];
  const supervisors: CliProcess[] = [];

  afterEach(async () => {
    for (const cli of supervisors.splice(0)) {
      if (cli.child.exitCode !== null || cli.child.signalCode !== null) continue;
      cli.child.kill('SIGTERM');
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
      await cli.exited;
      clearTimeout(timer);
    }
    // Workers run in their own process group: make sure none outlives a failed test.
    for (const pid of workerPids()) killIfAlive(pid);
    runs?.close();
    runs = undefined;
    await env?.cleanup();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function db(): Database.Database {
    runs ??= new Database(env.env.E2E_RUNS_DB);
    runs.pragma('busy_timeout = 10000');
    runs.exec('CREATE TABLE IF NOT EXISTS watch_runs (task_id TEXT, version INTEGER, pid INTEGER)');
    runs.exec('CREATE TABLE IF NOT EXISTS watch_workers (pid INTEGER)');
    return runs;
  }

  function counts(): { total: number; distinct: number } {
    const row = db()
      .prepare('SELECT COUNT(*) AS total, COUNT(DISTINCT task_id) AS ids FROM watch_runs')
      .get() as { total: number; ids: number };
    return { total: row.total, distinct: row.ids };
  }

  function versionsOf(ids: string[]): number[] {
    const version = db().prepare('SELECT version FROM watch_runs WHERE task_id = ?');
    return ids.map((id) => (version.get(id) as { version: number } | undefined)?.version ?? -1);
  }

  function workerPids(): number[] {
    if (!env) return [];
    return (db().prepare('SELECT pid FROM watch_workers').all() as Array<{ pid: number }>).map(
      (row) => row.pid,
    );
  }

  function watch(args: string[]): CliProcess {
    const cli = spawnCli(['worker', '--watch', '-l', 'info', ...args], env.env);
    supervisors.push(cli);
    return cli;
  }

  const count = (cli: CliProcess, pattern: RegExp) =>
    cli
      .output()
      .split('\n')
      .filter((line) => pattern.test(line)).length;
  const online = (cli: CliProcess) => count(cli, /"msg":"worker online"/);
  const restarts = (cli: CliProcess) => count(cli, /^watch: .* changed; restarting worker$/);

  async function drained(total: number): Promise<void> {
    await until(async () => {
      const stats = await env.app.broker.stats('e2e');
      return counts().total >= total && stats.ready === 0 && stats.reserved === 0;
    }, `${total} tasks run and acked`);
  }

  it('restarts on a change to an imported file: every task runs once, later ones on the new code', async () => {
    env = e2eEnv();
    const mod = taskModule();
    dirs.push(mod.dir);
    const cli = watch(['-A', mod.tasks, '-c', '2']);
    await until(() => online(cli) === 1, 'the first worker');
    const before = await env.app.sendMany(
      'watch.record',
      Array.from({ length: 20 }, () => [50]),
      {},
    );
    await until(() => counts().total >= 3, 'the first runs');

    writeFileSync(mod.version, versionSource(2));
    await cli.waitFor(/^watch: .*lib\/version\.ts changed; restarting worker$/);
    await until(() => online(cli) === 2, 'the restarted worker');
    const after = await env.app.sendMany(
      'watch.record',
      Array.from({ length: 10 }, () => []),
      {},
    );
    await drained(30);

    expect(counts()).toEqual({ total: 30, distinct: 30 });
    expect(versionsOf(after.map((r) => r.id))).toEqual(Array(10).fill(2));
    expect(versionsOf(before.map((r) => r.id))).toContain(1);
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 0, reserved: 0, dead: 0 });
    expect(restarts(cli)).toBe(1);
    expect(workerPids()).toHaveLength(2);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    for (const pid of workerPids()) expect(isAlive(pid)).toBe(false);
  });

  it('waits after a module that fails to load, and restarts once it is fixed', async () => {
    env = e2eEnv();
    const mod = taskModule();
    dirs.push(mod.dir);
    const cli = watch(['-A', mod.tasks]);
    await until(() => online(cli) === 1, 'the first worker');

    writeFileSync(mod.tasks, 'export const app = ;\n');
    await cli.waitFor(/^watch: worker exited with code 1; waiting for a change$/);
    expect(cli.output()).toContain(`celeriac: could not load task module ${mod.tasks}`);
    expect(cli.child.exitCode).toBeNull();

    writeFileSync(mod.tasks, tasksSource('./lib/version.ts', '3'));
    await until(() => online(cli) === 2, 'the worker on the fixed module');
    const sent = await env.app.sendMany('watch.record', [[], [], []], {});
    await drained(3);
    expect(versionsOf(sent.map((r) => r.id))).toEqual([3, 3, 3]);
    expect(restarts(cli)).toBe(2);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('--watch-path watches the given directories instead', async () => {
    env = e2eEnv();
    const app = packageDir('celeriac-watch-app-');
    const shared = packageDir('celeriac-watch-shared-');
    dirs.push(app, shared);
    const version = join(shared, 'version.ts');
    writeFileSync(version, versionSource(1));
    writeFileSync(join(app, 'tasks.ts'), tasksSource(pathToFileURL(version).href));
    const cli = spawnCli(
      ['worker', '-A', join(app, 'tasks.ts'), '-l', 'info', '--watch-path', shared],
      env.env,
    );
    supervisors.push(cli);
    await until(() => online(cli) === 1, 'the first worker');

    writeFileSync(version, versionSource(2));
    await until(() => online(cli) === 2, 'the restarted worker');
    const [result] = await env.app.sendMany('watch.record', [[]], {});
    await drained(1);
    expect(versionsOf([result?.id ?? ''])).toEqual([2]);
  });

  it('a stop signal lets the running task finish; a second returns it to the queue', async () => {
    env = e2eEnv();
    const mod = taskModule();
    dirs.push(mod.dir);
    const graceful = watch(['-A', mod.tasks]);
    await until(() => online(graceful) === 1, 'the worker');
    await env.app.sendMany('watch.record', [[500]], {});
    await until(() => counts().total === 1, 'the running task');
    graceful.child.kill('SIGINT');
    expect(await graceful.exited).toBe(0);
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 0, reserved: 0 });

    const hurried = watch(['-A', mod.tasks, '--shutdown-timeout', '10m']);
    await until(() => online(hurried) === 1, 'the second worker');
    await env.app.sendMany('watch.hang', [[]], {});
    await until(() => counts().total === 2, 'the hanging task');
    hurried.child.kill('SIGTERM');
    await hurried.waitFor(/worker stopping/);
    hurried.child.kill('SIGTERM');
    expect(await hurried.exited).toBe(0);
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 1, reserved: 0 });
  });

  it('rejects a --watch-path that is not a directory with exit code 2', async () => {
    env = e2eEnv();
    const mod = taskModule();
    dirs.push(mod.dir);
    const missing = join(mod.dir, 'no-such-dir');
    const { code, output } = await runCli(
      ['worker', '--watch', '-A', mod.tasks, '--watch-path', missing],
      env.env,
    );
    expect(code).toBe(2);
    expect(output).toContain(`option '--watch-path <dir>' argument '${missing}' is invalid`);
    expect(output).toContain(`not a directory: ${missing}`);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killIfAlive(pid: number): void {
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}
