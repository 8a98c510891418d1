import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, type ClusterEvent, createApp } from '../../src/index.ts';
import { ptyUnavailable, spawnInPty } from '../e2e/pty-process.ts';
import { runCli, spawnCli } from '../e2e/worker-process.ts';
import { taskEvent, workerEvent } from '../support/cluster-events.ts';

const FEED = new URL('../e2e/fixtures/events-feed.ts', import.meta.url).pathname;

/** Events without timestamps: the feed stamps them as it publishes, so workers look alive. */
const unstamped = (event: ClusterEvent) => {
  const { timestamp: _, ...rest } = event;
  return rest;
};

/** A worker, three starts, two successes and a failure: what the view must show. */
const SCENE = {
  workers: [
    {
      name: 'w9@registry',
      hostname: 'registry',
      pid: 9,
      queues: ['bulk'],
      concurrency: 2,
      active: 0,
      processed: 41,
      pool: 'threads',
      startedAt: 0,
    },
  ],
  events: [
    workerEvent({ type: 'worker:online', worker: 'w1@alpha', active: 1, processed: 3 }),
    ...['a', 'b', 'c'].map((id) => taskEvent({ type: 'task:started', id, worker: 'w1@alpha' })),
    ...['a', 'b'].map((id) => taskEvent({ id, runtimeMs: 7, worker: 'w1@alpha' })),
    taskEvent({
      type: 'task:failed',
      id: 'c',
      task: 'tasks.pay',
      worker: 'w1@alpha',
      exception: { name: 'TimeoutError', message: 'gateway slow' },
    }),
  ].map(unstamped),
};
const feedEnv = { E2E_EVENTS_FEED: JSON.stringify(SCENE) };

describe('celeriac events', () => {
  it('refuses the live view when stdout is not a terminal, exit 2', async () => {
    const { code, output } = await runCli(['events', '-A', FEED]);
    expect(code).toBe(2);
    expect(output).toBe('celeriac events: stdout is not a terminal; use --dump for a line stream');
  });

  it('takes --json only with --dump, and an interval above 0, exit 2', async () => {
    const json = await runCli(['events', '-A', FEED, '--json']);
    expect(json.code).toBe(2);
    expect(json.output).toBe('celeriac: --json goes with --dump');
    const interval = await runCli(['events', '-A', FEED, '--interval', '0s']);
    expect(interval.code).toBe(2);
    expect(interval.output).toBe('celeriac: --interval must be longer than 0');
  });

  it('--dump prints one line per event until SIGINT, then exits 0', async () => {
    const cli = spawnCli(['events', '-A', FEED, '--dump'], feedEnv);
    const failed = await cli.waitFor(/task:failed/);
    expect(failed).toMatch(
      /^\S+Z task:failed tasks\.pay c worker=w1@alpha queue=default exception=TimeoutError: "gateway slow"$/,
    );
    const lines = cli.output().split('\n');
    expect(lines.map((line) => line.split(' ')[1])).toEqual([
      'worker:online',
      'task:started',
      'task:started',
      'task:started',
      'task:succeeded',
      'task:succeeded',
      'task:failed',
    ]);
    expect(lines[4]).toMatch(
      / task:succeeded tasks\.add a worker=w1@alpha queue=default runtime=7ms$/,
    );
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('--dump --json prints each event as its JSON', async () => {
    const cli = spawnCli(['events', '-A', FEED, '--dump', '--json'], feedEnv);
    const line = await cli.waitFor(/task:failed/);
    expect(JSON.parse(line)).toMatchObject({
      type: 'task:failed',
      task: 'tasks.pay',
      exception: { name: 'TimeoutError', message: 'gateway slow' },
    });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});

describe('celeriac events --dump on a SQLite broker file', () => {
  let dir: string;
  let publisher: App;
  afterEach(async () => {
    await publisher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the events another process publishes, in order', async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-events-'));
    const url = `sqlite://${join(dir, 'broker.db')}`;
    publisher = createApp({ broker: url, logLevel: 'silent' });
    const broadcast = publisher.broker.broadcast;
    if (!broadcast) throw new Error('the SQLite broker has no broadcast');
    const publish = (events: ClusterEvent[]) => broadcast.publish('events', JSON.stringify(events));
    await publisher.connect();
    const cli = spawnCli(['events', '-b', url, '--dump']);
    // What is published before the command subscribes is lost: probe until it hears one.
    const probe = workerEvent({ worker: 'probe@test' });
    let heard = false;
    const seen = cli.waitFor(/probe@test/).then(() => {
      heard = true;
    });
    while (!heard) {
      await publish([probe]);
      await Promise.race([seen, new Promise((resolve) => setTimeout(resolve, 200))]);
    }
    const scene = [
      workerEvent({ type: 'worker:online', worker: 'w1@alpha' }),
      taskEvent({ type: 'task:started', id: 'a', queuedMs: 15 }),
      taskEvent({ id: 'a', runtimeMs: 7 }),
      taskEvent({ type: 'task:revoked', id: 'b', reason: 'revoked by id' }),
    ];
    await publish(scene);
    await cli.waitFor(/task:revoked/);
    const lines = cli.output().split('\n');
    const after = lines.slice(lines.findLastIndex((line) => line.includes('probe@test')) + 1);
    expect(after).toEqual([
      '2026-11-22T08:00:00.000Z worker:online w1@alpha queues=default active=1/4 processed=10 pool=async pid=1234',
      '2026-11-22T08:00:00.123Z task:started tasks.add a worker=w1@host queue=default queued=15ms',
      '2026-11-22T08:00:00.123Z task:succeeded tasks.add a worker=w1@host queue=default runtime=7ms',
      '2026-11-22T08:00:00.123Z task:revoked tasks.add b worker=w1@host queue=default reason="revoked by id"',
    ]);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });
});

describe.skipIf(ptyUnavailable !== undefined)('celeriac events on a terminal', () => {
  it.each([
    ['q', 'q'],
    ['Ctrl-C', '\x03'],
  ])(
    'shows workers, totals by state and failures, and restores the terminal on %s',
    async (_, key) => {
      const cli = spawnInPty(['events', '-A', FEED, '--interval', '200ms'], feedEnv);
      const screen = await cli.waitForScreen(
        (text) => text.includes('tasks.pay') && text.includes('w1@alpha'),
        'the failure and the worker',
      );
      expect(screen).toMatch(/^celeriac events · memory:\/\/ · up \d+s · 7 events · q to quit$/m);
      expect(screen).toMatch(/^TASKS\s+sent\s+received\s+started\s+succeeded\s+failed\s/m);
      expect(screen).toMatch(/^total\s+0\s+0\s+3\s+2\s+1\s+0\s/m);
      expect(screen).toMatch(/^\s+1\s+tasks\.pay\s+TimeoutError\s+gateway slow$/m);
      expect(screen).toMatch(/^w1@alpha\s+default\s+1\/4\s+3\s+\d+s ago\s+online$/m);
      expect(screen).toMatch(/^w9@registry\s+bulk\s+0\/2\s+41\s+\d+s ago\s+online$/m);
      for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
      cli.type(key);
      expect(await cli.exited).toBe(0);
      const restore = cli.raw().lastIndexOf('\x1b[?25h');
      expect(restore).toBeGreaterThan(cli.raw().lastIndexOf('\x1b[H'));
      expect(cli.raw().endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    },
  );
});
