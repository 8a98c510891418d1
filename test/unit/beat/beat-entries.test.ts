import { describe, expect, it } from 'vitest';
import { beatApp } from './beat-fixture.ts';

describe('entry registration', () => {
  it.each([
    [
      { cron: 'nope' },
      {},
      `invalid config "beat['bad'].cron": "nope": CronPattern: invalid configuration format ('nope'), exactly five, six, or seven space separated parts are required.`,
    ],
    [
      { cron: '0 3 * * *', timezone: 'Europe/Nowhere' },
      {},
      `invalid config "beat['bad'].timezone": unknown time zone "Europe/Nowhere" (expected an IANA name such as Europe/Berlin)`,
    ],
    [
      { every: '-1s' },
      {},
      `invalid config "beat['bad'].every": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "-1s"`,
    ],
    [
      { every: '1s', cron: '* * * * *' },
      {},
      `invalid config "beat['bad']": give either cron or every, not both`,
    ],
    [{}, {}, `invalid config "beat['bad']": the schedule needs cron or every`],
    [
      { every: '1s' },
      { catchUp: 'sometimes' },
      `invalid config "beat['bad'].catchUp": expected skip, once or all, got "sometimes"`,
    ],
  ])('app.schedule rejects %j %j', (spec, options, message) => {
    const { app, report } = beatApp();
    expect(() => app.schedule('bad', spec as never, report.s(), options as never)).toThrow(message);
  });

  it('rejects a task the app does not register, and a duplicate name', async () => {
    const { app, report } = beatApp();
    expect(() => app.schedule('ghost', { every: '1s' }, app.signature('nobody.home'))).toThrow(
      `invalid config "beat['ghost'].signature": unknown task "nobody.home": it is not registered on this app`,
    );
    app.schedule('twice', { every: '1s' }, report.s());
    expect(() => app.schedule('twice', { every: '2s' }, report.s())).toThrow(
      `invalid config "beat['twice']": an entry with this name is already scheduled`,
    );
    await expect(
      app.beat.add('ghost', { every: '1s' }, app.signature('nobody.home')),
    ).rejects.toThrow(`invalid config "beat['ghost'].signature": unknown task "nobody.home"`);
    await app.beat.add('runtime', { every: '1s' }, report.s());
    await expect(app.beat.add('runtime', { every: '1s' }, report.s())).rejects.toThrow(
      `invalid config "beat['runtime']": an entry with this name is already scheduled`,
    );
  });
});

describe('run-time entries', () => {
  it('are seen by a second scheduler: add, change, remove, and override of a code entry', async () => {
    const { app, clock, report, scheduler } = beatApp(Date.UTC(2025, 0, 1) + 100);
    app.schedule('code', { every: '1s' }, report.s('code'));
    const a = scheduler('a');
    const b = scheduler('b');
    const firedBy = async () => {
      clock.advance(1000);
      const reports = [await a.check(), await b.check()];
      return reports.flatMap((r) => r.fired.map((f) => f.entry)).sort();
    };
    await a.check();
    await b.check();
    await app.beat.add('added', { every: '1s' }, report.s('added'));
    expect(await firedBy()).toEqual(['code']); // first seen now: fires from the next tick
    expect(await firedBy()).toEqual(['added', 'code']);
    // a stops (resigning); b leads and sees the change made through the app.
    await a.stop();
    await app.beat.change('added', { schedule: { every: '2s' } });
    await app.beat.change('code', { options: { args: ['override'] } });
    const seen = (await app.beat.list()).map((e) => [e.name, e.source, e.schedule.describe()]);
    expect(seen).toEqual([
      ['code', 'store', 'every 1s'],
      ['added', 'store', 'every 2s'],
    ]);
    const fired = [await firedBy(), await firedBy()].flat().sort();
    expect(fired).toEqual(['added', 'code', 'code']);
    expect(await app.beat.remove('added')).toBe(true);
    expect(await app.beat.remove('added')).toBe(false);
    expect(await app.beat.remove('code')).toBe(true); // the code entry applies again
    expect((await app.beat.list()).map((e) => [e.name, e.source])).toEqual([['code', 'code']]);
    expect(await firedBy()).toEqual(['code']);
    expect(await firedBy()).toEqual(['code']);
  });
});
