import { checkCarried } from '../app/json-carried.ts';
import type { StoredEntry } from '../brokers/contract/beat-store.ts';
import type { AnyCanvas } from '../canvas/canvas.ts';
import { type CanvasNode, validateNode } from '../canvas/canvas-node.ts';
import { checkTaskNames } from '../canvas/check-task-names.ts';
import { checkNodeValues } from '../canvas/send-workflow.ts';
import { ConfigError } from '../errors/errors.ts';
import type { TaskRegistry } from '../task/registry.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { type CatchUp, DEFAULT_CATCH_UP } from './due-ticks.ts';
import { parseSchedule, type Schedule, type ScheduleSpec } from './schedule-spec.ts';

/** Per-entry options. */
export interface BeatEntryOptions {
  /** The queue of the task(s) that start first, instead of their own. */
  queue?: string;
  /** How long a sent run stays valid, from when it is sent; default: one interval. */
  expires?: Duration;
  /** Arguments that replace the signature's own (a single task signature only). */
  args?: unknown[];
  /** What to do with ticks missed while no scheduler led; default `once`. */
  catchUp?: CatchUp;
}

/** Where an entry comes from: `app.schedule` in code, or `app.beat.add` through the broker. */
export type EntrySource = 'code' | 'store';

/** A checked schedule entry. */
export interface BeatEntry {
  /** The entry's name, unique in its scheduler group. */
  readonly name: string;
  /** When it fires. */
  readonly schedule: Schedule;
  /** The workflow each tick sends, as plain JSON. */
  readonly node: CanvasNode;
  /** The options it was declared with. */
  readonly options: BeatEntryOptions;
  /** What happens to ticks missed while no scheduler led (the option, or its default). */
  readonly catchUp: CatchUp;
  /** Whether it was declared in code or added at run time. */
  readonly source: EntrySource;
}

const CATCH_UPS: readonly CatchUp[] = ['skip', 'once', 'all'];

/** Checks an entry's parts; a ConfigError keyed by `beat['<name>']` names what is wrong. */
export function defineEntry(
  registry: TaskRegistry,
  name: unknown,
  spec: ScheduleSpec,
  work: AnyCanvas | CanvasNode,
  options: BeatEntryOptions,
  source: EntrySource,
): BeatEntry {
  if (typeof name !== 'string' || name.trim() === '')
    throw new ConfigError('beat', 'an entry needs a non-empty name');
  const schedule = parseSchedule(name, spec);
  const node = nodeOf(name, work);
  checkOptions(name, node, options);
  try {
    checkTaskNames(registry, [node]);
  } catch (error) {
    throw new ConfigError(`beat['${name}'].signature`, (error as Error).message);
  }
  checkEntryValues(name, node, options.args);
  const catchUp = options.catchUp ?? DEFAULT_CATCH_UP;
  return { name, schedule, node, options: { ...options }, catchUp, source };
}

/** The JSON form kept in the broker. */
export function toStoredEntry(entry: BeatEntry, now: number): StoredEntry {
  const spec = { schedule: entry.schedule.spec, node: entry.node, options: entry.options };
  return { name: entry.name, spec: JSON.stringify(spec), updatedAt: now };
}

/** An entry read back from the broker, checked like a new one. */
export function fromStoredEntry(registry: TaskRegistry, stored: StoredEntry): BeatEntry {
  let spec: { schedule?: unknown; node?: unknown; options?: unknown };
  try {
    spec = JSON.parse(stored.spec) as typeof spec;
  } catch (error) {
    throw new ConfigError(
      `beat['${stored.name}']`,
      `stored spec is not JSON: ${(error as Error).message}`,
    );
  }
  const options = (spec.options ?? {}) as BeatEntryOptions;
  return defineEntry(
    registry,
    stored.name,
    spec.schedule as ScheduleSpec,
    spec.node as CanvasNode,
    options,
    'store',
  );
}

function nodeOf(name: string, work: AnyCanvas | CanvasNode): CanvasNode {
  const node =
    typeof (work as AnyCanvas)?.toNode === 'function' ? (work as AnyCanvas).toNode() : work;
  try {
    return validateNode(node, `beat['${name}'].signature`);
  } catch (error) {
    throw new ConfigError(`beat['${name}'].signature`, (error as Error).message);
  }
}

/** Refused when declared rather than at each tick: JSON would change these values silently. */
function checkEntryValues(name: string, node: CanvasNode, args: unknown[] | undefined): void {
  try {
    if (args !== undefined && node.kind === 'task') checkCarried(node.task, { args });
  } catch (error) {
    throw new ConfigError(`beat['${name}'].args`, (error as Error).message);
  }
  try {
    checkNodeValues(node);
  } catch (error) {
    throw new ConfigError(`beat['${name}'].signature`, (error as Error).message);
  }
}

function checkOptions(name: string, node: CanvasNode, options: BeatEntryOptions): void {
  const key = `beat['${name}']`;
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${key}.options`, 'expected an object');
  const { queue, expires, args, catchUp } = options;
  if (queue !== undefined && (typeof queue !== 'string' || queue === ''))
    throw new ConfigError(`${key}.queue`, 'expected a non-empty queue name');
  if (expires !== undefined) {
    try {
      parseDuration(expires);
    } catch (error) {
      throw new ConfigError(`${key}.expires`, (error as Error).message);
    }
  }
  if (args !== undefined && !Array.isArray(args))
    throw new ConfigError(`${key}.args`, 'expected an array of arguments');
  if (args !== undefined && node.kind !== 'task')
    throw new ConfigError(
      `${key}.args`,
      `args replace a single task's arguments; this entry sends a ${node.kind}`,
    );
  if (catchUp !== undefined && !CATCH_UPS.includes(catchUp))
    throw new ConfigError(
      `${key}.catchUp`,
      `expected skip, once or all, got ${JSON.stringify(catchUp)}`,
    );
}
