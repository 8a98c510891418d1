import type { Sizes } from './config.ts';
import { measureColdStart } from './measure/cold-start.ts';
import type { Measure } from './measure/context.ts';
import { measureEnqueueBulk, measureEnqueueOne } from './measure/enqueue.ts';
import { measureBytes } from './measure/memory.ts';
import { measureProcess2, measureProcessC1, measureProcessC100 } from './measure/process.ts';
import { measureDelay, measureLatency } from './measure/timing.ts';

/** A goal on a figure: its text for the table and its test. */
export interface Goal {
  text: string;
  met(celeriac: number, ratio: number): boolean;
}

/** One reported figure; the names are fixed (BENCHMARKS.md and results JSON use them). */
export interface FigureDef {
  name: string;
  unit: string;
  goal: Goal | undefined;
}

const atLeast = (x: number): Goal => ({ text: `≥${x}×`, met: (_c, ratio) => ratio >= x });

/** Every figure, in table order. */
export const FIGURES: FigureDef[] = [
  { name: 'enqueue_one', unit: 'tasks/s', goal: atLeast(2) },
  { name: 'enqueue_bulk', unit: 'tasks/s', goal: atLeast(3) },
  { name: 'process_c1_1proc', unit: 'tasks/s', goal: atLeast(2) },
  { name: 'process_c100_1proc', unit: 'tasks/s', goal: atLeast(3) },
  { name: 'process_2proc', unit: 'tasks/s', goal: atLeast(3) },
  {
    name: 'bytes_per_queued_task',
    unit: 'bytes',
    goal: { text: '≤0.25×', met: (_c, ratio) => ratio <= 0.25 },
  },
  { name: 'latency_p50', unit: 'ms', goal: undefined },
  {
    name: 'latency_p99',
    unit: 'ms',
    goal: { text: '≤1× and ≤5 ms', met: (c, ratio) => ratio <= 1 && c <= 5 },
  },
  { name: 'delay_error_p50', unit: 'ms', goal: undefined },
  { name: 'delay_error_p99', unit: 'ms', goal: { text: '≤10 ms', met: (c) => c <= 10 } },
  {
    name: 'cold_start_sqlite_ms',
    unit: 'ms',
    goal: { text: '≤400 ms', met: (c) => c <= 400 },
  },
  { name: 'cold_start_redis_ms', unit: 'ms', goal: undefined },
];

/** One measurement: a run on a fresh prefix that yields one or more figures. */
export interface MeasurementDef {
  id: string;
  figures: string[];
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
  { id: 'delay', figures: ['delay_error_p50', 'delay_error_p99'], measure: measureDelay },
  {
    id: 'cold_start',
    figures: ['cold_start_sqlite_ms', 'cold_start_redis_ms'],
    measure: measureColdStart,
    runs: (sizes) => sizes.coldStartRuns,
  },
];
