import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app/app.ts';
import type { CatchUp } from '../../../src/beat/due-ticks.ts';
import { Scheduler } from '../../../src/beat/scheduler.ts';
import type { Broker } from '../../../src/brokers/contract/index.ts';
import { RedisBroker } from '../../../src/brokers/redis/redis-broker.ts';
import { SqliteBroker } from '../../../src/brokers/sqlite/sqlite-broker.ts';
import { redisAvailable, redisUrl } from '../../support/redis-available.ts';
import { deleteRedisPrefix } from '../../support/redis-keys.ts';

const HOUR = 3_600_000;
const TICK_MS = 250;
/** Checks per window: 5 s of a 1 s schedule. */
const CHECKS = 20;

/** A wall clock that tests step, and a monotonic one that only moves with real time. */
class SteppedClock {
  wallMs = Date.UTC(2025, 0, 1) + 100;
  monoMs = 0;
  readonly wall = (): number => this.wallMs;
  readonly mono = (): number => this.monoMs;
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
  step(ms: number): void {
    this.wallMs += ms;
  }
}

interface Sent {
  by: string;
  tick: number;
}

/**
 * Steps the first clock by each offset in turn, then checks CHECKS times with every clock moving
 * on; the ticks sent in each such window.
 */
async function windows(
  schedulers: Scheduler[],
  clocks: SteppedClock[],
  steps: number[],
  sent: Sent[],
): Promise<number[]> {
  const counts: number[] = [];
  for (const step of steps) {
    clocks[0]?.step(step);
    const before = sent.length;
    for (let i = 0; i < CHECKS; i++) {
      for (const clock of clocks) clock.advance(TICK_MS);
      for (const s of schedulers)
        for (const fire of (await s.check()).fired) sent.push({ by: s.holder, tick: fire.tick });
    }
    counts.push(sent.length - before);
  }
  return counts;
}

function onBroker(
  name: string,
  skip: boolean,
  open: () => { broker: Broker; done: () => Promise<void> },
) {
  describe.skipIf(skip)(`Scheduler under wall-clock steps (${name})`, () => {
    const made: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const done of made) await done();
    });

    /** An app on a fresh broker with a 1 s entry, and schedulers on one stepped clock each. */
    function setup(catchUp: CatchUp = 'once') {
      const { broker, done } = open();
      made.push(done);
      const app = createApp({ broker, logLevel: 'silent', defaultQueue: 'beat' }, {});
      const ping = app.task('ping', () => 'pong');
      app.schedule('each-second', { every: '1s' }, ping.s(), { catchUp });
      const scheduler = (holder: string, clock: SteppedClock) =>
        new Scheduler(app, {
          holder,
          leaseMs: 10_000,
          tickMs: TICK_MS,
          clock: clock.wall,
          monotonic: clock.mono,
        });
      made.push(() => app.close());
      return { scheduler };
    }

    it.each([
      ['skip', 5],
      ['once', 6],
    ] as Array<[CatchUp, number]>)(
      'a step forward of 1 h under %s sends %i ticks in the next 5 s: the policy, no burst',
      async (catchUp, after) => {
        const { scheduler } = setup(catchUp);
        const clock = new SteppedClock();
        const sent: Sent[] = [];
        const beat = scheduler('a', clock);
        expect(await windows([beat], [clock], [0, HOUR, 0], sent)).toEqual([5, after, 5]);
        expect(new Set(sent.map((s) => s.tick)).size).toBe(sent.length);
      },
    );

    it('steps back never stop the schedule for more than an interval, nor send a tick twice', async () => {
      const { scheduler } = setup();
      const clock = new SteppedClock();
      const sent: Sent[] = [];
      const beat = scheduler('a', clock);
      // The chaos scenario's steps: +1 h, back to 0, back to -1 h, then forward 10 min.
      const counts = await windows([beat], [clock], [0, HOUR, -HOUR, -HOUR, 10 * 60_000], sent);
      // After each step back the schedule restarts from the first check: the next tick is on time.
      expect(counts).toEqual([5, 6, 5, 5, 6]);
      expect(new Set(sent.map((s) => s.tick)).size).toBe(sent.length);
    });

    it('a leader an hour ahead hands over to one on the real clock: it resumes within an interval', async () => {
      const { scheduler } = setup();
      const ahead = new SteppedClock();
      ahead.step(HOUR);
      const real = new SteppedClock();
      const a = scheduler('a', ahead);
      const b = scheduler('b', real);
      const sent: Sent[] = [];
      // a leads on its clock, then stops (resigns) and b takes over on its own.
      expect(await windows([a, b], [ahead, real], [0], sent)).toEqual([5]);
      await a.stop();
      expect(await windows([b], [real], [0, 0], sent)).toEqual([5, 5]);
      expect(sent.map((s) => s.by)).toEqual([...Array(5).fill('a'), ...Array(10).fill('b')]);
      expect(new Set(sent.map((s) => s.tick)).size).toBe(sent.length);
    });
  });
}

onBroker('sqlite', false, () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-beat-steps-'));
  const broker = new SqliteBroker({ path: join(dir, 'broker.db') });
  return {
    broker,
    done: async () => {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

onBroker('redis', !redisAvailable, () => {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const broker = new RedisBroker({ url: redisUrl, prefix });
  return {
    broker,
    done: async () => {
      await broker.close();
      await deleteRedisPrefix(prefix);
    },
  };
});
