import { ConfigError } from '../errors/errors.ts';
import type { TaskOptions } from '../task/options.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import type { CursorKind } from './chunk-types.ts';

/** An id-cursor task's settings, checked. */
export interface IdPlan {
  kind: 'id';
  taskName: string;
  pauseMs: number;
  chunkSize: number;
}

/** A time-cursor task's settings, checked. */
export interface TimePlan {
  kind: 'time';
  taskName: string;
  pauseMs: number;
  stepMs: number;
  start: Date;
  end: Date | undefined;
}

/** A chunked task's own settings, checked, by cursor kind. */
export type ChunkPlan = IdPlan | TimePlan;

const CURSOR_KEYS: Record<CursorKind, string[]> = {
  id: ['cursor', 'chunkSize', 'pause'],
  time: ['cursor', 'start', 'end', 'step', 'pause'],
};

/**
 * Splits `app.chunkedTask` options into the chunked plan and the plain task options, and
 * checks the former; throws ConfigError naming the key.
 */
export function resolveChunkedOptions(
  taskName: string,
  options: Record<string, unknown>,
): { plan: ChunkPlan; taskOptions: TaskOptions } {
  const where = `tasks['${taskName}']`;
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(where, 'expected an object of options');
  }
  const kind = options.cursor;
  if (kind !== 'id' && kind !== 'time') {
    throw new ConfigError(
      `${where}.cursor`,
      `expected "id" or "time", got ${JSON.stringify(kind)}`,
    );
  }
  rejectOtherCursorKeys(kind, options, where);
  // Ack late even if the app's taskDefaults say otherwise: an early ack loses the chunk.
  const taskOptions = { ...withoutKeys(options, CURSOR_KEYS[kind]), acksLate: true } as TaskOptions;
  if (options.acksLate === false) {
    throw new ConfigError(
      `${where}.acksLate`,
      'a chunked task needs acksLate (the default): a chunk acked on receipt dies with its ' +
        'worker, and its run stops',
    );
  }
  const pauseMs = durationOf(options.pause, `${where}.pause`, 'the pause between chunks');
  const plan: ChunkPlan =
    kind === 'id'
      ? { kind, taskName, pauseMs, chunkSize: chunkSizeOf(options.chunkSize, where) }
      : timePlan(taskName, pauseMs, options, where);
  return { plan, taskOptions };
}

function timePlan(
  taskName: string,
  pauseMs: number,
  options: Record<string, unknown>,
  where: string,
): TimePlan {
  const stepMs = durationOf(options.step, `${where}.step`, 'the length of one chunk');
  if (stepMs <= 0) throw new ConfigError(`${where}.step`, 'must be longer than 0');
  const start = dateOf(options.start, `${where}.start`);
  const end = options.end === undefined ? undefined : dateOf(options.end, `${where}.end`);
  if (end !== undefined && end.getTime() <= start.getTime()) {
    throw new ConfigError(
      `${where}.end`,
      `${end.toISOString()} is not after start ${start.toISOString()}`,
    );
  }
  return { kind: 'time', taskName, pauseMs, stepMs, start, end };
}

function rejectOtherCursorKeys(
  kind: CursorKind,
  options: Record<string, unknown>,
  where: string,
): void {
  const other: CursorKind = kind === 'id' ? 'time' : 'id';
  const misplaced = Object.keys(options).find(
    (key) => CURSOR_KEYS[other].includes(key) && !CURSOR_KEYS[kind].includes(key),
  );
  if (misplaced !== undefined) {
    throw new ConfigError(
      `${where}.${misplaced}`,
      `is an option of cursor "${other}", not of cursor "${kind}"`,
    );
  }
}

function chunkSizeOf(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ConfigError(
      `${where}.chunkSize`,
      `expected a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value as number;
}

function durationOf(value: unknown, key: string, what: string): number {
  if (value === undefined) {
    throw new ConfigError(key, `required: ${what}, such as '1s', '100ms' or 0`);
  }
  try {
    return parseDuration(value as Duration);
  } catch (error) {
    throw new ConfigError(key, (error as Error).message);
  }
}

/** A valid Date, copied so later changes by the caller do not move the range. */
export function dateOf(value: unknown, key: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    const shown = value instanceof Date ? 'Invalid Date' : JSON.stringify(value);
    throw new ConfigError(key, `expected a valid Date, got ${shown}`);
  }
  return new Date(value.getTime());
}

function withoutKeys(options: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !keys.includes(key)));
}
