import { validateMembership, validateNodes } from '../canvas/canvas-node.ts';
import { MalformedMessage } from '../errors/errors.ts';
import {
  badField,
  type Fields,
  isPlainObject,
  optionalDate,
  optionalObject,
  optionalString,
  optionalTime,
  optionalTimeLimits,
  requireArray,
  requireCount,
  requireNumber,
  requireString,
  stringOrNull,
} from './field-checks.ts';

/**
 * The message a task travels in. Every field maps one to one onto Celery's protocol v2
 * (id, task, args, kwargs, eta, expires, retries, timelimit, root_id, parent_id, group,
 * callbacks, errbacks), so interop needs no change here. Unknown fields are preserved.
 */
export interface Envelope {
  /** The envelope format's version. */
  v: 1;
  /** The task id, the same across retries. */
  id: string;
  /** The registered name of the task to run. */
  task: string;
  /** The handler's arguments, after the context. */
  args: unknown[];
  /** Keyword arguments, for Celery-style producers (`ctx.kwargs`). */
  kwargs?: Record<string, unknown>;
  /** The queue the message is sent to. */
  queue: string;
  /** 0 (default) to 9; higher runs first. */
  priority?: number;
  /** ISO 8601 time before which the task must not start. */
  eta?: string;
  /** ISO 8601 time after which the task must not start. */
  expires?: string;
  /** Retries made before this attempt (0 on the first). */
  retries: number;
  /** [soft, hard] limits in seconds, as Celery carries them. */
  timelimit?: [number | null, number | null];
  /** The id of the first task in the line of tasks whose ends sent this one; else its own id. */
  rootId: string;
  /** The id of the task whose end sent this one (a chain's step before it); null if none did. */
  parentId?: string | null;
  /** The id of the group (or chord) this task is a member of. */
  groupId?: string;
  /** Headers of the producer's own and of integrations (trace context, for one). */
  headers?: Record<string, unknown>;
  /** Workflow nodes sent with this task's value when it succeeds. */
  links?: unknown[];
  /** Workflow nodes sent with a TaskFailureInfo when it fails for good. */
  errbacks?: unknown[];
  /** The steps of its chain still to run after this task, in order. */
  chain?: unknown[];
  /** The chord this task is a member of (set on a member's last step). */
  chord?: unknown;
  /** Epoch ms when the producer built it: time in queue is measured from here (or the eta). */
  sentAt?: number;
  [extra: string]: unknown;
}

export const ENVELOPE_VERSION = 1;

/** What every broker carries beside the body, so the body need not repeat it. */
export interface CarriedFields {
  id: string;
  queue: string;
}

/**
 * The envelope as it travels: `id` and `queue` are left out (the broker carries them with the
 * message), and so are fields at their defaults (`v` 1, `retries` 0, `rootId` equal to `id`,
 * `parentId` null), as a queued task's bytes are most of a broker's memory.
 */
export function toWire(envelope: Envelope): Record<string, unknown> {
  const { v, id, queue, retries, rootId, parentId, ...rest } = envelope;
  const wire: Record<string, unknown> = rest;
  if (v !== ENVELOPE_VERSION) wire.v = v;
  if (retries !== 0) wire.retries = retries;
  if (rootId !== id) wire.rootId = rootId;
  if (parentId !== null && parentId !== undefined) wire.parentId = parentId;
  return wire;
}

/**
 * Checks a decoded value field by field and fills in what `toWire` left out: `carried` gives
 * the id and queue the broker delivered it with. A bad field throws a MalformedMessage naming
 * its path and the value received; unknown fields are kept as they are.
 */
export function validateEnvelope(value: unknown, carried?: CarriedFields): Envelope {
  if (!isPlainObject(value)) throw new MalformedMessage('expected an object');
  const v = value;
  fillDefaults(v, carried);
  requireString(v, 'id');
  requireString(v, 'task');
  requireString(v, 'queue');
  requireString(v, 'rootId');
  requireArray(v, 'args');
  requireNumber(v, 'v');
  requireCount(v, 'retries');
  optionalObject(v, 'kwargs');
  if (v.priority !== undefined && !isPriority(v.priority)) {
    badField('priority', 'an integer from 0 to 9', v.priority);
  }
  optionalDate(v, 'eta');
  optionalDate(v, 'expires');
  optionalObject(v, 'headers');
  validateLineage(v);
  validateWorkflowFields(v);
  return v as Envelope;
}

function fillDefaults(v: Fields, carried: CarriedFields | undefined): void {
  if (carried) {
    v.id ??= carried.id;
    v.queue ??= carried.queue;
  }
  v.v ??= ENVELOPE_VERSION;
  v.retries ??= 0;
  v.parentId ??= null;
  if (typeof v.id === 'string') v.rootId ??= v.id;
}

/** Fields about where the message came from, its limits and its unique claim. */
function validateLineage(v: Fields): void {
  stringOrNull(v, 'parentId');
  // Celery sends `group: None` for a task outside any group.
  if (v.groupId === null) delete v.groupId;
  optionalString(v, 'groupId');
  optionalTimeLimits(v, 'timelimit');
  optionalTime(v, 'sentAt');
  // The unique claim a message holds (src/flow/unique), which the worker releases at its end.
  optionalString(v, 'uniqueKey');
}

/** Workflow fields are checked on receipt, so a bad one dead-letters the message, not its successors. */
function validateWorkflowFields(v: Fields): void {
  try {
    if (v.links !== undefined) validateNodes(v.links, 'field "links"');
    if (v.errbacks !== undefined) validateNodes(v.errbacks, 'field "errbacks"');
    if (v.chain !== undefined) validateNodes(v.chain, 'field "chain"');
    if (v.chord !== undefined) validateMembership(v.chord, 'field "chord"');
  } catch (error) {
    // Nodes nest (a chord's body, a chain's steps); a value from another serializer may nest
    // beyond the stack, which is as malformed as any other bad node.
    if (error instanceof RangeError) throw new MalformedMessage('workflow nodes nest too deeply');
    throw error;
  }
}

/** True for the integers 0 to 9. */
export function isPriority(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 9;
}
