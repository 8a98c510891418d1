import { describe, expect, it } from 'vitest';
import type { CatchUp } from '../../../src/beat/due-ticks.ts';
import type { CheckReport, Scheduler } from '../../../src/beat/scheduler.ts';
import { validateEnvelope } from '../../../src/envelope/envelope.ts';
import type { Delivery } from '../../../src/index.ts';
import { beatApp } from './beat-fixture.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Runs one check on each scheduler, in order, and collects what they sent. */
async function checkAll(schedulers: Scheduler[], sent: Array<{ by: string; tick: number }>) {
  for (const scheduler of schedulers) {
    const report: CheckReport = await scheduler.check();
    for (const fire of report.fired) sent.push({ by: scheduler.holder, tick: fire.tick });
  }
}

describe('Scheduler catch-up after downtime', () => {
  it.each([
    ['skip', 0],
    ['once', 1],
    ['all', 5],
  ] as Array<[CatchUp, number]>)('%s fires %i of 5 missed ticks', async (catchUp, missedFires) => {
    const { app, clock, report, scheduler } = beatApp();
    app.schedule('minutely', { every: '1m' }, report.s(), { catchUp });
    const first = scheduler('a');
    await first.check(); // sees the entry now: its ticks start after this
    clock.advance(MINUTE); // exactly on the second tick since the start
    expect((await first.check()).fired).toHaveLength(1);
    // Down for five full intervals and 30 s (past the grace), then back.
    clock.advance(5 * MINUTE + 30 * SECOND);
    const back = scheduler('b', { leaseMs: 10_000 });
    clock.advance(10 * SECOND); // a's lease ran out long ago
    const fired = (await back.check()).fired;
    expect(fired).toHaveLength(missedFires);
    if (catchUp === 'once') expect(fired[0]?.tick).toBe(clock.ms - 40 * SECOND);
    // The next on-time tick fires normally.
    clock.advance(20 * SECOND);
    expect((await back.check()).fired).toHaveLength(1);
  });

  it('gives a new entry no history: its first run is its first tick from now', async () => {
    const { app, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1, 12));
    app.schedule('nightly', { cron: '0 3 * * *' }, report.s(), { catchUp: 'all' });
    const beat = scheduler('a');
    expect((await beat.check()).fired).toEqual([]);
    clock.advance(15 * 60 * MINUTE); // 03:00 next day
    const fired = (await beat.check()).fired;
    expect(fired.map((f) => new Date(f.tick).toISOString())).toEqual(['2025-01-02T03:00:00.000Z']);
  });
});

describe('Scheduler leadership on one store', () => {
  it('fires each of 20 ticks exactly once across three schedulers', async () => {
    const { app, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1) + 100);
    app.schedule('each-second', { every: '1s' }, report.s());
    const schedulers = [scheduler('a'), scheduler('b'), scheduler('c')];
    const sent: Array<{ by: string; tick: number }> = [];
    await checkAll(schedulers, sent); // first check: a leads; nothing due at +100 ms
    for (let step = 0; step < 80; step++) {
      clock.advance(250);
      await checkAll(schedulers, sent);
    }
    expect(sent).toHaveLength(20);
    expect(new Set(sent.map((s) => s.tick)).size).toBe(20);
    expect(new Set(sent.map((s) => s.by))).toEqual(new Set(['a']));
    expect(schedulers.map((s) => s.leading)).toEqual([true, false, false]);
  });

  it('takes over after a killed leader lease ends, firing the takeover window late, none twice', async () => {
    const { app, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1) + 100);
    app.schedule('each-second', { every: '1s' }, report.s(), { catchUp: 'skip' });
    const a = scheduler('a');
    const b = scheduler('b');
    const sent: Array<{ by: string; tick: number }> = [];
    for (let step = 0; step < 20; step++) {
      clock.advance(250);
      await checkAll([a, b], sent);
    }
    expect(sent.map((s) => s.by)).toEqual(['a', 'a', 'a', 'a', 'a']);
    // a is killed (no resign): only b keeps checking.
    for (let step = 0; step < 60; step++) {
      clock.advance(250);
      await checkAll([b], sent);
    }
    const ticks = sent.map((s) => s.tick);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Every tick from the first to the last was sent: those in the lease window late, by b.
    expect(ticks).toEqual(ticks.map((_, i) => (ticks[0] ?? 0) + i * SECOND));
    expect(ticks).toHaveLength(20);
    const takeover = sent.findIndex((s) => s.by === 'b');
    expect(sent.slice(takeover).every((s) => s.by === 'b')).toBe(true);
    expect(b.leading).toBe(true);
  });

  it('hands over at once when the leader stops and resigns', async () => {
    const { app, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1) + 100);
    app.schedule('each-second', { every: '1s' }, report.s());
    const a = scheduler('a');
    const b = scheduler('b');
    await a.check();
    await b.check();
    await a.stop();
    clock.advance(SECOND);
    expect((await b.check()).fired).toHaveLength(1);
    expect(b.leading).toBe(true);
  });
});

describe('Scheduler sends', () => {
  it('sends runs that expire one interval after they are sent, unless the entry says', async () => {
    const { app, broker, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1) + 100);
    app.schedule('half-minute', { every: '30s' }, report.s('monday'));
    app.schedule('cron', { cron: '*/5 * * * *' }, report.s(), {
      expires: '1m',
      queue: 'other',
      args: ['x'],
    });
    const beat = scheduler('a');
    await beat.check();
    clock.advance(5 * MINUTE);
    await beat.check();
    const decode = (d: Delivery) => validateEnvelope(app.serializer.decode(d.body), d);
    const [half] = (await broker.reserve(['beat'], { max: 10, leaseMs: MINUTE })).map(decode);
    const [five] = (await broker.reserve(['other'], { max: 10, leaseMs: MINUTE })).map(decode);
    expect(half).toMatchObject({
      task: 'report',
      args: ['monday'],
      expires: new Date(clock.ms + 30 * SECOND).toISOString(),
    });
    expect(five).toMatchObject({
      task: 'report',
      args: ['x'],
      expires: new Date(clock.ms + MINUTE).toISOString(),
    });
  });
});
