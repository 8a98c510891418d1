import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/index.ts';
import { BROKERS_AND_PAIRS, harness } from './harness.ts';

const ROUNDS = 5;

describe.each(BROKERS_AND_PAIRS)('beat on the %s broker', (kind) => {
  const h = harness(kind);

  it('two schedulers send each tick of code and run-time entries once; a worker runs them', async () => {
    // Two processes running the same code, on one broker and one coordination.
    const first = h.app({ defaultQueue: 'beat' });
    const second = h.sibling(first);
    const ran: string[] = [];
    const ticks = [first, second].map((app) =>
      app.task('tick', (ctx) => {
        ran.push(`${ctx.headers['celeriac.beat.entry']}@${ctx.headers['celeriac.beat.tick']}`);
      }),
    );
    for (const [i, app] of [first, second].entries())
      app.schedule('in-code', { every: '1s' }, (ticks[i] as (typeof ticks)[0]).si());
    // Kept in the coordination's beat store: the other process's scheduler sees it too.
    await second.beat.add('at-run-time', { every: '1s' }, (ticks[1] as (typeof ticks)[0]).si());
    let now = Date.UTC(2030, 0, 1);
    const schedulers = [first, second].map(
      (app, i) =>
        new Scheduler(app, { holder: `s${i}`, clock: () => now, leaseMs: 10_000, tickMs: 250 }),
    );
    const fired: string[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      for (const scheduler of schedulers) {
        const report = await scheduler.check();
        fired.push(...report.fired.map((f) => `${f.entry}@${f.tick}`));
      }
      now += 1000;
    }
    expect(schedulers.filter((s) => s.leading)).toHaveLength(1);
    // A new entry has no history: its first tick is the first one after it was seen.
    expect(fired.filter((f) => f.startsWith('in-code@'))).toHaveLength(ROUNDS);
    expect(fired.filter((f) => f.startsWith('at-run-time@'))).toHaveLength(ROUNDS);
    expect(new Set(fired).size).toBe(fired.length);
    await h.worker(first, { queues: ['beat'] });
    await waitUntil(() => ran.length >= fired.length);
    expect([...ran].sort()).toEqual([...fired].sort());
    await Promise.all(schedulers.map((s) => s.stop()));
  }, 30_000);
});

async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the worker to run the ticks');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
