import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChaosReport, ChaosSkip } from '../scenario.ts';

/** What `npm run chaos` found, as written to chaos/results/latest.json. */
export interface ChaosResults {
  startedAt: string;
  scale: string;
  reports: ChaosReport[];
  skips: ChaosSkip[];
  fuzz?: FuzzSummary;
  elapsedMs: number;
}

/** The property-based suites' outcome. */
export interface FuzzSummary {
  command: string;
  runsPerProperty: number;
  files: number;
  tests: number;
  passed: number;
  failed: number;
  ok: boolean;
}

const COLUMNS = [
  'scenario',
  'broker',
  'sent',
  'accepted',
  'run',
  'lost',
  'duplicated',
  'in-flight bound',
  'recover',
  'result',
];

function row(r: ChaosReport): string[] {
  const recover = r.recoverMs === undefined ? '-' : `${(r.recoverMs / 1000).toFixed(1)} s`;
  const result = r.violations.length === 0 ? 'pass' : 'FAIL';
  const counts = [r.sent, r.accepted, r.run, r.lost, r.duplicated, r.inFlightBound].map(String);
  return [r.scenario, r.broker, ...counts, recover, result];
}

/** The report table as Markdown (aligned, so it reads in a terminal too). */
export function formatTable(reports: ChaosReport[]): string {
  const rows = [COLUMNS, ...reports.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(COLUMNS), rule, ...rows.slice(1).map(line)].join('\n');
}

/** Violations, one per line, under their scenario and broker. */
export function formatViolations(reports: ChaosReport[]): string {
  return reports
    .flatMap((r) => r.violations.map((v) => `${r.scenario} on ${r.broker}: ${v}`))
    .join('\n');
}

/** One line per skipped scenario, with its reason. */
export function formatSkips(skips: ChaosSkip[]): string {
  return skips.map((s) => `skipped ${s.scenario} on ${s.broker}: ${s.skipped}`).join('\n');
}

/** Writes the results as JSON, creating the folder. */
export function writeResults(path: string, results: ChaosResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
