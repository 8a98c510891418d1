import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FIGURES, FLOOR_BOUND } from './figures.ts';
import type { PingFloor } from './measure/floor.ts';
import type { PoolsResult } from './measure/pools.ts';
import type { RatesResult } from './measure/rates.ts';
import {
  SOAK_MEMORY_TOLERANCE,
  SOAK_RSS_TOLERANCE,
  type SoakResult,
  soakVerdict,
} from './measure/soak.ts';

/** One figure's medians; `ratio` is always celeriac / bullmq. */
export interface FigureResult {
  name: string;
  celeriac: number;
  bullmq: number;
  unit: string;
  ratio: number;
  /** Runs per system behind the medians. */
  runs: number;
  /** The lowest and the highest of those runs, per system. */
  range: { celeriac: [number, number]; bullmq: [number, number] };
}

/** The results file: bench/results/latest.json after a full run. */
export interface ResultsFile {
  machine: string;
  commit: string;
  mode: 'full' | 'quick';
  runs: number;
  figures: FigureResult[];
  /**
   * Values measured beside the figures, with no goal (the idle worker RSS behind the RSS
   * figures), in the same shape.
   */
  details?: FigureResult[];
  /** Awaited PINGs per second: the most any one-call-per-task figure can reach. */
  floor?: PingFloor;
  soak?: SoakResult;
  pools?: PoolsResult;
  rates?: RatesResult;
}

const MIB = 2 ** 20;

export function formatValue(value: number, unit: string): string {
  if (unit === 'ms') return value.toFixed(2);
  if (unit === 'bytes' || unit === 'MB') return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

/** `yes`, `NO`, or `?` when the goal cannot be decided (a floor goal with no floor measured). */
function verdict(met: boolean | undefined): string {
  return met === undefined ? '?' : met ? 'yes' : 'NO';
}

/**
 * The comparison table: figure, unit, celeriac, bullmq, ratio, goal, met?. The floor (of the
 * same run) decides the goals that are a share of it.
 */
export function formatTable(results: FigureResult[], floor?: PingFloor): string {
  const header = ['figure', 'unit', 'celeriac', 'bullmq', 'ratio', 'goal', 'met?'];
  const rows = results.map((r) => {
    const goal = FIGURES.find((f) => f.name === r.name)?.goal;
    return [
      r.name,
      r.unit,
      formatValue(r.celeriac, r.unit),
      formatValue(r.bullmq, r.unit),
      `${r.ratio.toFixed(2)}×`,
      goal?.text ?? '—',
      goal ? verdict(goal.met(r.celeriac, r.ratio, floor)) : '—',
    ];
  });
  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((row) => row[c]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (c >= 2 && c <= 4 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(' | ')} |`;
  // The same Markdown layout biome's formatter writes, so the table pastes into BENCHMARKS.md as is.
  const rule = `|${widths.map((w, c) => (c >= 2 && c <= 4 ? ` ${'-'.repeat(w - 1)}: ` : ` ${'-'.repeat(w)} `)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The spread behind each median: the lowest and highest run of each system. */
export function formatSpread(results: FigureResult[]): string {
  const header = ['figure', 'runs', 'celeriac min – max', 'bullmq min – max'];
  const span = ([low, high]: [number, number], unit: string) =>
    `${formatValue(low, unit)} – ${formatValue(high, unit)}`;
  const rows = results.map((r) => [
    r.name,
    String(r.runs),
    span(r.range.celeriac, r.unit),
    span(r.range.bullmq, r.unit),
  ]);
  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((row) => row[c]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => ` ${'-'.repeat(w)} `).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * The round-trip floor and, for each figure bound by it, the share of the bare-socket floor
 * (the one their goals use) and of the ioredis floor each system reaches, and the ratio the
 * floor itself would score against BullMQ.
 */
export function formatFloor(floor: PingFloor, results: FigureResult[]): string {
  const lines = [
    `round-trip floor: ${Math.round(floor.ioredis).toLocaleString('en-US')} awaited PINGs/s on ioredis, ` +
      `${Math.round(floor.socket).toLocaleString('en-US')} on a bare socket`,
  ];
  for (const r of results.filter((f) => FLOOR_BOUND.includes(f.name))) {
    const pct = (v: number, of: number) => `${((v / of) * 100).toFixed(0)}%`;
    const goal = FIGURES.find((f) => f.name === r.name)?.goal;
    lines.push(
      `  ${r.name}: celeriac ${pct(r.celeriac, floor.socket)} of the bare-socket floor` +
        `${goal ? ` (goal ${goal.text}: ${verdict(goal.met(r.celeriac, r.ratio, floor))})` : ''}, ` +
        `bullmq ${pct(r.bullmq, floor.socket)}; of the ioredis floor ${pct(r.celeriac, floor.ioredis)} and ` +
        `${pct(r.bullmq, floor.ioredis)}; the floors themselves would be ${(floor.ioredis / r.bullmq).toFixed(2)}× and ` +
        `${(floor.socket / r.bullmq).toFixed(2)}× bullmq`,
    );
  }
  return lines.join('\n');
}

/** The values measured beside the figures (no goal): name, unit, celeriac, bullmq, ratio, ranges. */
export function formatDetails(details: FigureResult[]): string {
  return details
    .map((d) => {
      const span = ([low, high]: [number, number]) =>
        low === high ? '' : ` (${formatValue(low, d.unit)} – ${formatValue(high, d.unit)})`;
      return (
        `  ${d.name}: celeriac ${formatValue(d.celeriac, d.unit)} ${d.unit}${span(d.range.celeriac)}, ` +
        `bullmq ${formatValue(d.bullmq, d.unit)} ${d.unit}${span(d.range.bullmq)} (${d.ratio.toFixed(2)}×)`
      );
    })
    .join('\n');
}

/** The soak lines: Redis memory return and worker RSS growth, with their goals. */
export function formatSoak(soak: SoakResult): string {
  const verdict = soakVerdict(soak);
  const delta = soak.memoryAfter - soak.memoryBefore;
  const growth = soak.rssAtEnd / soak.rssAtMark - 1;
  const n = soak.tasks.toLocaleString('en-US');
  const mark = soak.rssMark.toLocaleString('en-US');
  return [
    `Celeriac soak: ${n} tasks, results ignored, ${Math.round(soak.throughput).toLocaleString('en-US')} tasks/s`,
    `  Redis used_memory: ${(soak.memoryBefore / MIB).toFixed(2)} MiB before, ` +
      `${(soak.memoryAfter / MIB).toFixed(2)} MiB after (${delta >= 0 ? '+' : ''}${(delta / MIB).toFixed(3)} MiB; ` +
      `goal ±${SOAK_MEMORY_TOLERANCE / MIB} MiB: ${verdict.memory ? 'met' : 'NOT met'})`,
    `  keys left under the prefix: ${soak.keysLeft.length} (${soak.bytesLeft} bytes: ${soak.keysLeft.join(', ') || 'none'})`,
    `  worker RSS: ${(soak.rssAtMark / MIB).toFixed(1)} MiB after task ${mark}, ` +
      `${(soak.rssAtEnd / MIB).toFixed(1)} MiB after task ${n} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%; ` +
      `goal within ${SOAK_RSS_TOLERANCE * 100}%: ${verdict.rss ? 'met' : 'NOT met'})`,
  ].join('\n');
}

/** Writes the results JSON, creating its directory. */
export function writeResults(path: string, results: ResultsFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
