import type { AnyCanvas } from '../canvas/canvas.ts';
import type { CanvasNode } from '../canvas/canvas-node.ts';
import { describeValue } from '../config/describe-value.ts';
import { ENVELOPE_VERSION, type Envelope, isPriority } from '../envelope/envelope.ts';
import { uuidV7 } from '../envelope/uuid-v7.ts';
import { CeleriacError } from '../errors/errors.ts';
import type { ResolvedTaskOptions, SendOptions } from '../task/options.ts';
import { parseDuration } from '../time/duration.ts';

/** The parts of the app the envelope depends on. */
export interface EnvelopeDefaults {
  queueFor(taskName: string, taskQueue: string | undefined): string;
}

/** Builds the message for one call; times become absolute ISO dates here, once. */
export function buildEnvelope(
  taskName: string,
  args: unknown[],
  options: SendOptions,
  taskOptions: ResolvedTaskOptions | undefined,
  defaults: EnvelopeDefaults,
  now = Date.now(),
): Envelope {
  if (!Array.isArray(args))
    throw new CeleriacError('BAD_ARGS', `args of "${taskName}" must be an array`);
  const id = options.id === undefined ? uuidV7(now) : checkedId(taskName, options.id);
  const priority = options.priority ?? taskOptions?.priority;
  if (priority !== undefined && !isPriority(priority)) {
    throw new CeleriacError(
      'BAD_PRIORITY',
      `priority must be an integer from 0 to 9, got ${priority}`,
    );
  }
  const envelope: Envelope = {
    v: ENVELOPE_VERSION,
    id,
    task: taskName,
    args,
    queue: options.queue ?? defaults.queueFor(taskName, taskOptions?.queue),
    retries: 0,
    rootId: id,
    parentId: null,
    sentAt: now,
  };
  if (options.kwargs) envelope.kwargs = options.kwargs;
  if (priority !== undefined) envelope.priority = priority;
  const eta = etaOf(options, now);
  if (eta !== undefined) envelope.eta = new Date(eta).toISOString();
  const expires = expiresOf(options, taskOptions, now);
  if (expires !== undefined) envelope.expires = new Date(expires).toISOString();
  if (options.headers) envelope.headers = options.headers;
  if (options.link) envelope.links = nodesOf(options.link);
  if (options.linkError) envelope.errbacks = nodesOf(options.linkError);
  const limits = timeLimitsOf(taskOptions);
  if (limits) envelope.timelimit = limits;
  return envelope;
}

/** A task id of the caller's own: one broker refused an empty one, the others stored it. */
function checkedId(taskName: string, id: unknown): string {
  if (typeof id === 'string' && id !== '') return id;
  throw new CeleriacError(
    'BAD_ID',
    `option "id" of a "${taskName}" message must be a non-empty string, got ${describeValue(id)}`,
  );
}

function etaOf(options: SendOptions, now: number): number | undefined {
  if (options.countdown !== undefined) return now + parseDuration(options.countdown);
  if (options.eta === undefined) return undefined;
  const eta = options.eta instanceof Date ? options.eta.getTime() : new Date(options.eta).getTime();
  if (Number.isNaN(eta))
    throw new CeleriacError('BAD_ETA', `eta is not a valid date: ${String(options.eta)}`);
  return eta;
}

function expiresOf(
  options: SendOptions,
  taskOptions: ResolvedTaskOptions | undefined,
  now: number,
) {
  const expires = options.expires;
  if (expires instanceof Date) {
    if (Number.isNaN(expires.getTime()))
      throw new CeleriacError('BAD_EXPIRES', 'expires is an invalid Date');
    return expires.getTime();
  }
  if (expires !== undefined) return now + parseDuration(expires);
  return taskOptions?.expiresMs === undefined ? undefined : now + taskOptions.expiresMs;
}

function timeLimitsOf(
  options: ResolvedTaskOptions | undefined,
): [number | null, number | null] | undefined {
  if (!options || (options.softTimeLimitMs === undefined && options.timeLimitMs === undefined))
    return undefined;
  const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);
  return [seconds(options.softTimeLimitMs), seconds(options.timeLimitMs)];
}

function nodesOf(canvases: AnyCanvas | AnyCanvas[]): CanvasNode[] {
  return (Array.isArray(canvases) ? canvases : [canvases]).map((canvas) => canvas.toNode());
}
