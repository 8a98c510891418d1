/**
 * `npm run bench -- --compare <file>`: each figure of this run beside the same figure in an
 * earlier results JSON (bench/results/latest.json's format), with the change in %, and a flag
 * on Celeriac's median.
 *
 * The flag. For one figure, let the earlier run's Celeriac runs span [oldMin, oldMax], and this
 * run's span [newMin, newMax] around its median m. Let h = (newMax − newMin) / 2, the half-width
 * of this run's spread. The band of "no change" is [oldMin − h, oldMax + h]: every value the
 * earlier runs gave, widened by this run's own scatter. Then:
 *
 * - regression: m lies outside the band on the worse side: m < oldMin − h for a rate (tasks/s,
 *   higher is better), m > oldMax + h for bytes, ms or MB (lower is better);
 * - improvement: m lies outside the band on the better side;
 * - within spread: m lies inside the band, its edges included.
 *
 * So a median that moved less than the runs scatter is never flagged, and a noisy new run needs a
 * larger move to be flagged. With one run on a side its range is a single value and says nothing
 * about the scatter, so the band is only as wide as the other side's range; a comparison of
 * single runs flags every change. The table marks such rows.
 *
 * The same rule judges the ratio to BullMQ, in a second flag ("vs bullmq"). BullMQ runs
 * interleaved with Celeriac in each run, so it is the control for the machine: when both move
 * alike (another machine, a busier one), the first flag fires and the second does not. A ratio's
 * range is the widest its runs allow (Celeriac's lowest over BullMQ's highest, and the reverse),
 * as the files keep each system's range, not each run's pair.
 *
 * Figures present in only one of the two results are listed as absent, not compared (a run with
 * `--only` measures a few). A figure whose unit differs between the files, or whose unit has no
 * known better direction, is listed as incomparable.
 */
import { readFileSync } from 'node:fs';
import { FIGURES } from './figures.ts';
import type { PingFloor } from './measure/floor.ts';
import { type FigureResult, formatValue, type ResultsFile } from './report.ts';

/** Which way a unit improves. */
export type Better = 'higher' | 'lower';

/** Rates improve upward; sizes, times and memory downward; undefined for a unit not known here. */
export function betterOf(unit: string): Better | undefined {
  if (unit === 'tasks/s') return 'higher';
  if (unit === 'bytes' || unit === 'ms' || unit === 'MB') return 'lower';
  return undefined;
}

/** The outcome for one figure. */
export type Flag =
  | 'regression'
  | 'improvement'
  | 'within'
  | 'absent-old'
  | 'absent-new'
  | 'incomparable';

/** One figure of the two results side by side. */
export interface FigureComparison {
  name: string;
  unit: string;
  flag: Flag;
  old: FigureResult | undefined;
  new: FigureResult | undefined;
  /** Celeriac's median, new / old − 1, in %. */
  change: number | undefined;
  /** BullMQ's median, new / old − 1, in %: the control. */
  bullmqChange: number | undefined;
  /** [oldMin − h, oldMax + h]: a Celeriac median outside it is flagged. */
  band: [number, number] | undefined;
  /** The flag of the ratio to BullMQ (the machine's drift taken out); undefined when absent. */
  ratioFlag: Flag | undefined;
  /** One run on a side: the band is the old value(s) alone, so any change flags. */
  singleRun: boolean;
  /** Why the figure is incomparable. */
  reason?: string;
}

/** The flag of one figure present in both results (see the module comment for the rule). */
export function flagFigure(
  old: FigureResult,
  now: FigureResult,
): { flag: Flag; band: [number, number] | undefined; reason?: string } {
  if (old.unit !== now.unit)
    return { flag: 'incomparable', band: undefined, reason: `unit ${old.unit} then ${now.unit}` };
  const better = betterOf(now.unit);
  if (!better)
    return { flag: 'incomparable', band: undefined, reason: `no known direction for ${now.unit}` };
  const [oldMin, oldMax] = old.range.celeriac;
  const [newMin, newMax] = now.range.celeriac;
  const h = (newMax - newMin) / 2;
  const band: [number, number] = [oldMin - h, oldMax + h];
  const m = now.celeriac;
  const below = m < band[0];
  const above = m > band[1];
  if (!below && !above) return { flag: 'within', band };
  const worse = better === 'higher' ? below : above;
  return { flag: worse ? 'regression' : 'improvement', band };
}

const percentChange = (now: number, old: number) => (now / old - 1) * 100;

/**
 * A figure's ratio to BullMQ as a figure of its own, for flagFigure: the median ratio, and the
 * widest span the two systems' ranges allow; undefined when a BullMQ value is not above 0.
 */
export function ratioFigure(f: FigureResult): FigureResult | undefined {
  const [cMin, cMax] = f.range.celeriac;
  const [bMin, bMax] = f.range.bullmq;
  if (!(f.bullmq > 0 && bMin > 0)) return undefined;
  return {
    ...f,
    celeriac: f.celeriac / f.bullmq,
    bullmq: 1,
    ratio: f.celeriac / f.bullmq,
    range: { celeriac: [cMin / bMax, cMax / bMin], bullmq: [1, 1] },
  };
}

/** flagFigure on the ratios to BullMQ of both results. */
export function flagRatio(old: FigureResult, now: FigureResult): Flag {
  const o = ratioFigure(old);
  const n = ratioFigure(now);
  return o && n ? flagFigure(o, n).flag : 'incomparable';
}

/**
 * Every figure of either result, in table order (then any the earlier file has that this
 * harness no longer knows), flagged.
 */
export function compareResults(
  old: Pick<ResultsFile, 'figures'>,
  now: Pick<ResultsFile, 'figures'>,
): FigureComparison[] {
  const names = [
    ...FIGURES.map((f) => f.name),
    ...old.figures.map((f) => f.name),
    ...now.figures.map((f) => f.name),
  ];
  const seen = new Set<string>();
  const out: FigureComparison[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const o = old.figures.find((f) => f.name === name);
    const n = now.figures.find((f) => f.name === name);
    if (!o && !n) continue;
    const unit = n?.unit ?? o?.unit ?? '';
    const singleRun = (o?.runs ?? 0) < 2 || (n?.runs ?? 0) < 2;
    if (!o || !n) {
      out.push({
        name,
        unit,
        flag: o ? 'absent-new' : 'absent-old',
        old: o,
        new: n,
        change: undefined,
        bullmqChange: undefined,
        band: undefined,
        ratioFlag: undefined,
        singleRun,
      });
      continue;
    }
    const { flag, band, reason } = flagFigure(o, n);
    out.push({
      name,
      unit,
      flag,
      old: o,
      new: n,
      change: percentChange(n.celeriac, o.celeriac),
      bullmqChange: percentChange(n.bullmq, o.bullmq),
      band,
      ratioFlag: flag === 'incomparable' ? undefined : flagRatio(o, n),
      singleRun,
      ...(reason ? { reason } : {}),
    });
  }
  return out;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPair = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && isNumber(v[0]) && isNumber(v[1]) && v[0] <= v[1];

/** Reads an earlier results JSON and checks it has what the comparison needs; throws if not. */
export function readResults(path: string): ResultsFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`--compare ${path}: ${(error as Error).message}`);
  }
  const file = data as Partial<ResultsFile> | null;
  if (!file || typeof file !== 'object' || !Array.isArray(file.figures))
    throw new Error(`--compare ${path}: not a results file (no "figures" list)`);
  for (const [k, f] of file.figures.entries()) {
    const ok =
      f &&
      typeof f.name === 'string' &&
      typeof f.unit === 'string' &&
      isNumber(f.celeriac) &&
      isNumber(f.bullmq) &&
      isNumber(f.runs) &&
      isPair(f.range?.celeriac) &&
      isPair(f.range?.bullmq);
    if (!ok)
      throw new Error(
        `--compare ${path}: figure ${k} (${f?.name ?? 'unnamed'}) lacks a name, unit, medians, runs or min–max ranges`,
      );
  }
  return file as ResultsFile;
}

const FLAG_TEXT: Record<Flag, string> = {
  regression: 'REGRESSION',
  improvement: 'improved',
  within: 'within spread',
  'absent-old': 'absent in old',
  'absent-new': 'absent in new',
  incomparable: 'incomparable',
};

const signed = (pct: number | undefined) =>
  pct === undefined ? '—' : `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;

/**
 * The comparison table (old and new medians of both systems, the changes, the flag), the
 * floors of both runs when both have one, and the list of regressions.
 */
export function formatComparison(
  comparisons: FigureComparison[],
  old: Pick<ResultsFile, 'commit' | 'mode' | 'runs' | 'machine' | 'floor'>,
  now: { mode: string; machine: string; floor: PingFloor | undefined },
  oldPath: string,
): string {
  const lines = [
    `compared with ${oldPath}: commit ${old.commit}, ${old.mode} mode, ${old.runs} run(s) per figure`,
  ];
  if (old.mode !== now.mode)
    lines.push(`  note: that was a ${old.mode} run and this a ${now.mode} one (other sizes)`);
  if (old.machine !== now.machine) lines.push(`  note: on another machine: ${old.machine}`);
  const value = (r: FigureResult | undefined, pick: 'celeriac' | 'bullmq') =>
    r ? formatValue(r[pick], r.unit) : '—';
  const header = [
    'figure',
    'unit',
    'old celeriac',
    'new celeriac',
    'change',
    'old bullmq',
    'new bullmq',
    'change',
    'flag',
    'vs bullmq',
  ];
  const rows = comparisons.map((c) => [
    c.name,
    c.unit,
    value(c.old, 'celeriac'),
    value(c.new, 'celeriac'),
    signed(c.change),
    value(c.old, 'bullmq'),
    value(c.new, 'bullmq'),
    signed(c.bullmqChange),
    `${FLAG_TEXT[c.flag]}${c.reason ? ` (${c.reason})` : ''}${c.singleRun && c.old && c.new ? ' *' : ''}`,
    c.ratioFlag ? FLAG_TEXT[c.ratioFlag] : '—',
  ]);
  const widths = header.map((h, col) =>
    Math.max(h.length, ...rows.map((row) => row[col]?.length ?? 0)),
  );
  const numeric = (col: number) => col >= 2 && col <= 7;
  const line = (cells: string[]) =>
    `| ${cells.map((cell, col) => (numeric(col) ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, col) => (numeric(col) ? ` ${'-'.repeat(w - 1)}: ` : ` ${'-'.repeat(w)} `)).join('|')}|`;
  lines.push(line(header), rule, ...rows.map(line));
  if (comparisons.some((c) => c.singleRun && c.old && c.new))
    lines.push(
      '* one run on a side: its range is one value and adds no spread to the band (one run on both sides: any change is flagged)',
    );
  if (old.floor && now.floor) {
    lines.push(
      `bare-socket floor: ${Math.round(old.floor.socket).toLocaleString('en-US')} then ` +
        `${Math.round(now.floor.socket).toLocaleString('en-US')} PINGs/s (${signed(percentChange(now.floor.socket, old.floor.socket))})`,
    );
  }
  const regressions = comparisons.filter((c) => c.flag === 'regression').map((c) => c.name);
  lines.push(
    regressions.length > 0
      ? `${regressions.length} regression(s) beyond the spread of the runs: ${regressions.join(', ')}`
      : 'no regression beyond the spread of the runs',
  );
  const against = comparisons.filter((c) => c.ratioFlag === 'regression').map((c) => c.name);
  lines.push(
    against.length > 0
      ? `${against.length} regression(s) against BullMQ in the same run (the machine's drift taken out): ${against.join(', ')}`
      : "no regression against BullMQ in the same run (the machine's drift taken out)",
  );
  return lines.join('\n');
}
