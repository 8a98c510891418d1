import type { Sizes } from './config.ts';
import { measureColdStart } from './measure/cold-start.ts';
import type { Measure } from './measure/context.ts';
import { measureEnqueueBulk, measureEnqueueOne } from './measure/enqueue.ts';
import type { PingFloor } from './measure/floor.ts';
import { measureBytes } from './measure/memory.ts';
import { measureProcess2, measureProcessC1, measureProcessC100 } from './measure/process.ts';
import { measureDelay, measureLatency, measureLatencyC50 } from './measure/timing.ts';
import { measureWorkerRss } from './measure/worker-rss.ts';

/** A goal on a figure: its text for the table and its test. */
export interface Goal {
  text: string;
  /**
   * Whether the Celeriac median meets it, given the ratio to BullMQ and the round-trip floor of
   * the same run; undefined when it cannot tell (a floor goal without a measured floor).
   */
  met(celeriac: number, ratio: number, floor: PingFloor | undefined): boolean | undefined;
}

/** One reported figure; the names are fixed (BENCHMARKS.md and results JSON use them). */
export interface FigureDef {
  name: string;
  unit: string;
  goal: Goal | undefined;
}

const atLeast = (x: number): Goal => ({ text: `≥${x}×`, met: (_c, ratio) => ratio >= x });

/** At most `x` times BullMQ and at most `limit` in the figure's own unit. */
const atMost = (x: number, limit: number, unit: string): Goal => ({
  text: `≤${x}× and ≤${limit} ${unit}`,
  met: (c, ratio) => ratio <= x && c <= limit,
});

/**
 * At least `share` of the bare-socket round-trip floor (awaited PINGs per second) measured in
 * the same run: for the figures that await one Redis round trip per task.
 */
const ofFloor = (share: number): Goal => ({
  text: `≥${share * 100}% of floor`,
  met: (c, _ratio, floor) => (floor ? c >= share * floor.socket : undefined),
});

/** The figures whose goal is a share of the round-trip floor: the run measures it with them. */
export const FLOOR_BOUND = ['enqueue_one', 'process_c1_1proc'];

/** Every figure, in table order. */
export const FIGURES: FigureDef[] = [
  { name: 'enqueue_one', unit: 'tasks/s', goal: ofFloor(0.8) },
  { name: 'enqueue_bulk', unit: 'tasks/s', goal: atLeast(3) },
  { name: 'process_c1_1proc', unit: 'tasks/s', goal: ofFloor(0.7) },
  { name: 'process_c100_1proc', unit: 'tasks/s', goal: atLeast(3) },
  { name: 'process_2proc', unit: 'tasks/s', goal: atLeast(3) },
  { name: 'bytes_per_queued_task', unit: 'bytes', goal: atMost(0.25, 52, 'bytes') },
  { name: 'latency_p50', unit: 'ms', goal: atMost(1, 1, 'ms') },
  { name: 'latency_p99', unit: 'ms', goal: atMost(1, 3, 'ms') },
  { name: 'latency_c50_p50', unit: 'ms', goal: atMost(1, 1, 'ms') },
  { name: 'latency_c50_p99', unit: 'ms', goal: atMost(1, 3, 'ms') },
  { name: 'delay_error_p50', unit: 'ms', goal: undefined },
  { name: 'delay_error_p99', unit: 'ms', goal: { text: '≤10 ms', met: (c) => c <= 10 } },
  {
    name: 'cold_start_sqlite_ms',
    unit: 'ms',
    goal: { text: '≤400 ms', met: (c) => c <= 400 },
  },
  { name: 'cold_start_redis_ms', unit: 'ms', goal: undefined },
  { name: 'worker_rss_c1_mb', unit: 'MB', goal: atMost(0.8, 70, 'MB') },
  { name: 'worker_rss_c100_mb', unit: 'MB', goal: atMost(0.8, 80, 'MB') },
];

/** A value a measurement reports beside its figures, without a goal (the results' `details`). */
export interface DetailDef {
  name: string;
  unit: string;
}

/** One measurement: a run on a fresh prefix that yields one or more figures. */
export interface MeasurementDef {
  id: string;
  figures: string[];
  /** Values logged and written beside the figures (median and range), not in the table. */
  details?: DetailDef[];
  measure: Measure;
  /** Runs per system when not `sizes.runs` (`--runs` overrides both). */
  runs?: (sizes: Sizes) => number;
}

/** Every measurement, in run order (the figures of one measurement come from the same runs). */
export const MEASUREMENTS: MeasurementDef[] = [
  { id: 'enqueue_one', figures: ['enqueue_one'], measure: measureEnqueueOne },
  { id: 'enqueue_bulk', figures: ['enqueue_bulk'], measure: measureEnqueueBulk },
  { id: 'process_c1_1proc', figures: ['process_c1_1proc'], measure: measureProcessC1 },
  { id: 'process_c100_1proc', figures: ['process_c100_1proc'], measure: measureProcessC100 },
  { id: 'process_2proc', figures: ['process_2proc'], measure: measureProcess2 },
  { id: 'bytes', figures: ['bytes_per_queued_task'], measure: measureBytes },
  { id: 'latency', figures: ['latency_p50', 'latency_p99'], measure: measureLatency },
  {
    id: 'latency_c50',
    figures: ['latency_c50_p50', 'latency_c50_p99'],
    measure: measureLatencyC50,
  },
  { id: 'delay', figures: ['delay_error_p50', 'delay_error_p99'], measure: measureDelay },
  {
    id: 'cold_start',
    figures: ['cold_start_sqlite_ms', 'cold_start_redis_ms'],
    measure: measureColdStart,
    runs: (sizes) => sizes.coldStartRuns,
  },
  {
    id: 'worker_rss',
    figures: ['worker_rss_c1_mb', 'worker_rss_c100_mb'],
    details: [
      { name: 'worker_rss_c1_idle_mb', unit: 'MB' },
      { name: 'worker_rss_c100_idle_mb', unit: 'MB' },
    ],
    measure: measureWorkerRss,
  },
];

/** The names `--only` accepts besides measurement ids and figure names. */
export const OTHER_SECTIONS = ['floor', 'soak', 'pools', 'rate'];

/** Whether `--only` (undefined: everything) selects measurement `m`, by its id or a figure name. */
export function selects(only: Set<string> | undefined, m: MeasurementDef): boolean {
  return !only || only.has(m.id) || m.figures.some((f) => only.has(f));
}

/** The names in `--only` that name nothing the runner knows (a typo would measure nothing). */
export function unknownNames(only: Set<string>): string[] {
  const known = new Set([...OTHER_SECTIONS, ...MEASUREMENTS.flatMap((m) => [m.id, ...m.figures])]);
  return [...only].filter((name) => !known.has(name));
}
