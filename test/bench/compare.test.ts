import { describe, expect, it } from 'vitest';
import {
  betterOf,
  compareResults,
  type FigureComparison,
  flagFigure,
  flagRatio,
  formatComparison,
  ratioFigure,
} from '../../bench/compare.ts';
import type { FigureResult, ResultsFile } from '../../bench/report.ts';

/** A figure with Celeriac runs spanning [low, high] around `median` (BullMQ: 100 flat). */
function figure(
  name: string,
  unit: string,
  median: number,
  [low, high]: [number, number],
  runs = 3,
): FigureResult {
  return {
    name,
    unit,
    celeriac: median,
    bullmq: 100,
    ratio: median / 100,
    runs,
    range: { celeriac: [low, high], bullmq: [100, 100] },
  };
}

const results = (figures: FigureResult[]): ResultsFile => ({
  machine: 'test machine',
  commit: 'abc1234',
  mode: 'full',
  runs: 3,
  figures,
});

const OLD = results([
  // A rate that fell well below every old run: a regression.
  figure('enqueue_one', 'tasks/s', 1000, [950, 1050]),
  // A time that fell below every old run by more than the new spread: an improvement.
  figure('latency_p99', 'ms', 5, [4, 6]),
  // A rate whose new median is under the old minimum, but by less than the new half-width.
  figure('process_c100_1proc', 'tasks/s', 40_000, [38_000, 43_000]),
  // A size that grew, well beyond the old runs: a regression (lower is better).
  figure('worker_rss_c1_mb', 'MB', 60, [58, 62]),
  // A time that grew past the old maximum by less than the new half-width: within.
  figure('latency_p50', 'ms', 2, [1.5, 2.5]),
  // Only in the old file.
  figure('cold_start_redis_ms', 'ms', 350, [300, 400]),
]);

const NEW = results([
  figure('enqueue_one', 'tasks/s', 800, [780, 820]),
  figure('latency_p99', 'ms', 2, [1.8, 2.2]),
  figure('process_c100_1proc', 'tasks/s', 37_500, [36_000, 39_000]),
  figure('worker_rss_c1_mb', 'MB', 70, [69, 71]),
  figure('latency_p50', 'ms', 2.6, [2.4, 2.8]),
  // Only in the new file.
  figure('worker_rss_c100_mb', 'MB', 70, [69, 71]),
]);

const byName = (list: FigureComparison[]) => new Map(list.map((c) => [c.name, c]));

describe('bench/compare', () => {
  it('knows which way each unit improves', () => {
    expect(betterOf('tasks/s')).toBe('higher');
    expect(betterOf('bytes')).toBe('lower');
    expect(betterOf('ms')).toBe('lower');
    expect(betterOf('MB')).toBe('lower');
    expect(betterOf('furlongs')).toBeUndefined();
  });

  it('flags a regression, an improvement, changes inside the spread and absent figures', () => {
    const got = byName(compareResults(OLD, NEW));
    expect(got.get('enqueue_one')?.flag).toBe('regression');
    expect(got.get('latency_p99')?.flag).toBe('improvement');
    expect(got.get('process_c100_1proc')?.flag).toBe('within');
    expect(got.get('worker_rss_c1_mb')?.flag).toBe('regression');
    expect(got.get('latency_p50')?.flag).toBe('within');
    expect(got.get('cold_start_redis_ms')?.flag).toBe('absent-new');
    expect(got.get('worker_rss_c100_mb')?.flag).toBe('absent-old');
    // Figures in neither file are not listed.
    expect(got.has('enqueue_bulk')).toBe(false);
  });

  it('gives the change in % and the band of the rule', () => {
    const got = byName(compareResults(OLD, NEW));
    const enqueue = got.get('enqueue_one');
    expect(enqueue?.change).toBeCloseTo(-20);
    expect(enqueue?.bullmqChange).toBeCloseTo(0);
    // [old min − new half-width, old max + new half-width] = [950 − 20, 1050 + 20].
    expect(enqueue?.band?.[0]).toBeCloseTo(930);
    expect(enqueue?.band?.[1]).toBeCloseTo(1070);
    const within = got.get('process_c100_1proc');
    expect(within?.band?.[0]).toBeCloseTo(36_500);
    expect(got.get('cold_start_redis_ms')?.change).toBeUndefined();
  });

  it('lists the figures in table order, then those the harness does not know', () => {
    const old = results([figure('retired_figure', 'ms', 1, [1, 1]), ...OLD.figures]);
    expect(compareResults(old, NEW).map((c) => c.name)).toEqual([
      'enqueue_one',
      'process_c100_1proc',
      'latency_p50',
      'latency_p99',
      'cold_start_redis_ms',
      'worker_rss_c1_mb',
      'worker_rss_c100_mb',
      'retired_figure',
    ]);
  });

  it('counts a median exactly on the band edge as within the spread', () => {
    // Band low = old min 950 − the new half-width (950 − 930) / 2 = 940.
    const old = figure('enqueue_one', 'tasks/s', 1000, [950, 1050]);
    expect(flagFigure(old, figure('enqueue_one', 'tasks/s', 940, [930, 950])).flag).toBe('within');
    expect(flagFigure(old, figure('enqueue_one', 'tasks/s', 939, [929, 949])).flag).toBe(
      'regression',
    );
  });

  it('ignores BullMQ for the flag: it is the control, shown beside', () => {
    const old = figure('enqueue_one', 'tasks/s', 1000, [950, 1050]);
    const now = { ...figure('enqueue_one', 'tasks/s', 800, [780, 820]), bullmq: 50 };
    expect(flagFigure(old, now).flag).toBe('regression');
  });

  it('judges the ratio to BullMQ apart: a slower machine moves both systems, not the ratio', () => {
    const both = (
      c: number,
      [cl, ch]: [number, number],
      b: number,
      [bl, bh]: [number, number],
    ) => ({
      ...figure('process_c1_1proc', 'tasks/s', c, [cl, ch]),
      bullmq: b,
      ratio: c / b,
      range: { celeriac: [cl, ch] as [number, number], bullmq: [bl, bh] as [number, number] },
    });
    const old = both(8000, [7800, 8200], 6000, [5900, 6100]);
    // The machine halved both: the median regressed, the ratio (1.33) did not move.
    const slower = both(4000, [3900, 4100], 3000, [2950, 3050]);
    expect(flagFigure(old, slower).flag).toBe('regression');
    expect(flagRatio(old, slower)).toBe('within');
    // Celeriac alone lost a third on the same machine: both flags fire.
    const worse = both(5300, [5200, 5400], 6000, [5900, 6100]);
    expect(flagFigure(old, worse).flag).toBe('regression');
    expect(flagRatio(old, worse)).toBe('regression');
    // BullMQ alone slowed: Celeriac's median is within, its ratio improved.
    expect(flagRatio(old, both(8000, [7800, 8200], 4000, [3900, 4100]))).toBe('improvement');
    // The ratio's span is the widest the two ranges allow.
    expect(ratioFigure(old)?.range.celeriac).toEqual([7800 / 6100, 8200 / 5900]);
    const text = formatComparison(
      compareResults(results([old]), results([slower])),
      results([old]),
      { mode: 'full', machine: 'test machine', floor: undefined },
      'old.json',
    );
    expect(text).toMatch(/\| process_c1_1proc +\|.*REGRESSION +\| within spread +\|/);
    expect(text).toContain(
      "no regression against BullMQ in the same run (the machine's drift taken out)",
    );
  });

  it('flags any change of a single run, and marks it', () => {
    const old = results([figure('enqueue_one', 'tasks/s', 1000, [1000, 1000], 1)]);
    const now = results([figure('enqueue_one', 'tasks/s', 999, [999, 999], 1)]);
    const [only] = compareResults(old, now);
    expect(only?.flag).toBe('regression');
    expect(only?.singleRun).toBe(true);
    const text = formatComparison(
      compareResults(old, now),
      old,
      { mode: 'full', machine: 'test machine', floor: undefined },
      'old.json',
    );
    expect(text).toContain('REGRESSION *');
    expect(text).toContain('1 regression(s) beyond the spread of the runs: enqueue_one');
  });

  it('calls a unit change incomparable instead of guessing a direction', () => {
    const old = figure('worker_rss_c1_mb', 'bytes', 60_000_000, [60_000_000, 60_000_000]);
    const got = flagFigure(old, figure('worker_rss_c1_mb', 'MB', 60, [59, 61]));
    expect(got.flag).toBe('incomparable');
  });

  it('prints every figure with its flag and the regressions', () => {
    const text = formatComparison(
      compareResults(OLD, NEW),
      OLD,
      { mode: 'quick', machine: 'test machine', floor: undefined },
      'old.json',
    );
    expect(text).toContain('compared with old.json: commit abc1234, full mode');
    expect(text).toContain('that was a full run and this a quick one');
    expect(text).toMatch(/\| enqueue_one +\|.*-20\.0%.*REGRESSION/);
    expect(text).toMatch(/\| latency_p99 +\|.*improved/);
    expect(text).toMatch(/\| cold_start_redis_ms +\|.*absent in new/);
    expect(text).toContain(
      '2 regression(s) beyond the spread of the runs: enqueue_one, worker_rss_c1_mb',
    );
  });
});
