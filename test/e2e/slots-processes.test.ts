import { afterEach, describe, expect, it } from 'vitest';
import { redisAvailable } from '../support/redis-available.ts';
import { until } from './e2e-env.ts';
import { type Interval, maxOverlap, slotsEnv } from './slots-env.ts';
import { type CliProcess, killAll, spawnCli } from './worker-process.ts';

const TASKS = new URL('./fixtures/slot-tasks.ts', import.meta.url).pathname;
/** The line a worker logs at info level once it consumes. */
const ONLINE = /"msg":"worker online"/;
const KINDS = redisAvailable ? (['sqlite', 'redis'] as const) : (['sqlite'] as const);

/** Intervals grouped by key. */
function byKey(intervals: readonly Interval[]): Map<string, Interval[]> {
  const groups = new Map<string, Interval[]>();
  for (const i of intervals) groups.set(i.key, [...(groups.get(i.key) ?? []), i]);
  return groups;
}

describe.each(KINDS)('locks across worker processes on %s', (kind) => {
  let env: ReturnType<typeof slotsEnv>;
  const workers: CliProcess[] = [];

  afterEach(async () => {
    await killAll(workers);
    await env.cleanup();
  });

  const startWorker = (...extra: string[]) => {
    const w = spawnCli(['worker', '-A', TASKS, '-c', '10', '-l', 'info', ...extra], env.env);
    workers.push(w);
    return w;
  };

  it('500 locked tasks on 4 keys run exactly once each, never two of a key at once', async () => {
    env = slotsEnv(kind);
    const started = [startWorker(), startWorker(), startWorker()];
    await Promise.all(started.map((w) => w.waitFor(ONLINE)));
    const keys = ['a', 'b', 'c', 'd'];
    const sent = await env.app.sendMany(
      'slots.locked',
      Array.from({ length: 500 }, (_, n) => [keys[n % keys.length], 1]),
      {},
    );
    await until(() => env.finished() >= 500, 'all 500 runs', 120_000);
    const intervals = env.intervals();
    expect(intervals).toHaveLength(500);
    expect(new Set(intervals.map((i) => i.taskId))).toEqual(new Set(sent.map((r) => r.id)));
    for (const [, runs] of byKey(intervals)) {
      expect(runs).toHaveLength(125);
      for (let n = 1; n < runs.length; n++) {
        const [previous, next] = [runs[n - 1] as Interval, runs[n] as Interval];
        expect(next.started).toBeGreaterThanOrEqual(previous.ended ?? Number.POSITIVE_INFINITY);
      }
    }
    // Locks serialize keys, not workers: more than one process ran tasks.
    expect(new Set(intervals.map((i) => i.pid)).size).toBeGreaterThan(1);
  });

  it('per-key concurrency 3: never more than 3 of a key at once, and 3 reached', async () => {
    env = slotsEnv(kind);
    const started = [startWorker(), startWorker(), startWorker()];
    await Promise.all(started.map((w) => w.waitFor(ONLINE)));
    const keys = ['x', 'y'];
    await env.app.sendMany(
      'slots.limited',
      Array.from({ length: 60 }, (_, n) => [keys[n % keys.length], 50]),
      {},
    );
    await until(() => env.finished() >= 60, 'all 60 runs', 120_000);
    const groups = byKey(env.intervals());
    expect([...groups.keys()].sort()).toEqual(keys);
    for (const [, runs] of groups) {
      expect(runs).toHaveLength(30);
      expect(maxOverlap(runs)).toBe(3);
    }
  });

  it("a killed worker's lock holds until its ttl runs out; then the key's tasks all run", async () => {
    env = slotsEnv(kind);
    const leaseMs = 2000;
    const victim = startWorker('--lease', '2s');
    await victim.waitFor(ONLINE);
    const hung = await env.app.sendTask('slots.locked', ['k', 1, true]);
    await until(() => env.intervals().length >= 1, 'the victim to start the hanging task');
    const survivor = startWorker('--lease', '2s');
    await survivor.waitFor(ONLINE);
    const next = await env.app.sendTask('slots.locked', ['k', 1]);
    // Longer than the lock's ttl: only renewals keep it from the survivor this long.
    await new Promise((resolve) => setTimeout(resolve, 1.5 * leaseMs));
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    await until(() => env.finished() >= 2, 'both tasks', 60_000);

    const intervals = env.intervals();
    const first = intervals[0] as Interval;
    expect(first).toMatchObject({ taskId: hung.id, pid: victim.child.pid, ended: null });
    const afterKill = intervals.slice(1);
    expect(afterKill.map((i) => i.taskId).sort()).toEqual([hung.id, next.id].sort());
    for (const run of afterKill) {
      expect(run.pid).toBe(survivor.child.pid);
      // The lock was last renewed at most a third of its ttl before the kill.
      expect(run.started).toBeGreaterThanOrEqual(killedAt + leaseMs / 2);
    }
    expect(maxOverlap(afterKill)).toBe(1);
  });
});
