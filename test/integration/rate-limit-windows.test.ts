import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/index.ts';
import { BROKERS_WITH_REDIS, harness } from './harness.ts';

const RATE = 50;
const BURST = 1;
const LIMITED = 400;
/** Limited tasks queued ahead of the slot holders: their bookings fall due while slots are held. */
const AHEAD_OF_HOLDERS = 40;
const CONCURRENCY = 4;
/** One unlimited task per slot of the two workers, each holding its slot this long. */
const HOLD_SLOT_MS = 600;
const WINDOWS_MS = [40, 100, 250, 1000, 2000];
/**
 * A start is admitted on the store's clock and recorded by its handler on this process's clock
 * (the same machine's), later by the store's reply and by however long this process's event
 * loop was held up (both workers and the test share it, on a machine that runs other tests):
 * a window of recorded starts holds at most what a window this much longer held of admitted
 * ones. The loop's delay is measured over the run; 5 ms cover the reply.
 */
const REPLY_MS = 5;

/** The most recorded starts in any window [t, t + windowMs). */
function busiestWindow(sortedStarts: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < sortedStarts.length; i++) {
    const end = (sortedStarts[i] as number) + windowMs;
    while (j < sortedStarts.length && (sortedStarts[j] as number) < end) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe.each(BROKERS_WITH_REDIS)(
  'a rate limit under a queued backlog on the %s broker',
  (kind) => {
    const h = harness(kind);

    it(`two workers start ${LIMITED} queued tasks, some late, within rate × W + burst in every window`, async () => {
      const first = h.app();
      // A second worker on the same broker, as another process would be (memory: one object).
      const second: App = kind === 'memory' ? h.sibling(first) : h.app();
      const starts: number[] = [];
      for (const app of [first, second]) {
        app.task('backlogged', { rateLimit: `${RATE}/s` }, async () => {
          starts.push(Date.now());
        });
        app.task('holder', async () => sleep(HOLD_SLOT_MS));
      }
      const limited = (n: number) => Array.from({ length: n }, () => []);
      // While the holders run, the first bookings fall due and their messages come back late,
      // all at once: the case where starts on old bookings bunched.
      await first.sendMany('backlogged', limited(AHEAD_OF_HOLDERS), {});
      await first.sendMany('holder', limited(2 * CONCURRENCY), {});
      await first.sendMany('backlogged', limited(LIMITED - AHEAD_OF_HOLDERS), {});
      const workers = [first, second].map((app) => h.idleWorker(app, { concurrency: CONCURRENCY }));
      let done = 0;
      const all = new Promise<void>((resolve) => {
        for (const w of workers) {
          w.events.on('task:succeeded', (e) => {
            if (e.task === 'backlogged' && ++done === LIMITED) resolve();
          });
        }
      });
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      await Promise.all(workers.map((w) => w.start()));
      await all;
      loop.disable();
      expect(starts).toHaveLength(LIMITED);

      const toleranceMs = loop.max / 1e6 + REPLY_MS;
      const allowed = (windowMs: number) =>
        Math.floor((RATE * (windowMs + toleranceMs)) / 1000) + BURST;
      const sorted = [...starts].sort((a, b) => a - b);
      const busiest = WINDOWS_MS.map((w) => ({ windowMs: w, starts: busiestWindow(sorted, w) }));
      expect(busiest).toEqual(
        busiest.map(({ windowMs, starts: n }) => ({
          windowMs,
          starts: Math.min(n, allowed(windowMs)),
        })),
      );
    }, 60_000);
  },
);

describe.each(BROKERS_WITH_REDIS)(
  'a rate limit while the event loop is held up, on the %s broker',
  (kind) => {
    const h = harness(kind);
    const PACED = 40;
    const BLOCK_MS = 150;
    /** No start may begin more than half an interval (10 ms at 50/s) after its admitted time. */
    const HALF_INTERVAL_MS = 1000 / RATE / 2;

    it('starts woken late by a blocked loop ask again rather than start together', async () => {
      const app = h.app();
      const starts: number[] = [];
      app.task('paced', { rateLimit: `${RATE}/s` }, async () => {
        starts.push(Date.now());
      });
      // Runs in a slot while others wait in the rate gate for their admitted times.
      app.task('blocking', async () => {
        const end = Date.now() + BLOCK_MS;
        while (Date.now() < end) {}
      });
      for (let round = 0; round < 4; round++) {
        await app.sendMany(
          'paced',
          Array.from({ length: PACED / 4 }, () => []),
          {},
        );
        await app.sendMany('blocking', [[]], {});
      }
      const worker = h.idleWorker(app, { concurrency: CONCURRENCY });
      let done = 0;
      const all = new Promise<void>((resolve) => {
        worker.events.on('task:succeeded', (e) => {
          if (e.task === 'paced' && ++done === PACED) resolve();
        });
      });
      await worker.start();
      await all;
      expect(starts).toHaveLength(PACED);
      // Admitted starts are 20 ms apart; each begins within half of that after its time, so any
      // 5 ms holds at most the admissions of 5 + 10 + REPLY_MS ms: one, and the burst of one.
      const window = 5;
      const allowed = Math.floor((RATE * (window + HALF_INTERVAL_MS + REPLY_MS)) / 1000) + BURST;
      const sorted = [...starts].sort((a, b) => a - b);
      expect({ window, starts: busiestWindow(sorted, window) }).toEqual({
        window,
        starts: Math.min(busiestWindow(sorted, window), allowed),
      });
    }, 60_000);
  },
);
