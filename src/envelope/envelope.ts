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
import { quoteValue } from './quote-value.ts';
import { uuidV7Time } from './uuid-v7.ts';

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
  /**
   * Epoch ms when the producer built it (or a retry was sent): time in queue is measured from
   * here, or the eta. Left out of the message when it is the time of a UUIDv7 id.
   */
  sentAt?: number;
  [extra: string]: unknown;
}

export const ENVELOPE_VERSION = 1;

/** What every broker carries beside the body, so the body need not repeat it. */
export interface CarriedFields {
  id: string;
  queue: string;
}

/** A message as it travels: its task and args by position, then the fields not at their defaults. */
export type WireEnvelope =
  | [task: string, args: unknown[]]
  | [task: string, args: unknown[], fields: Record<string, unknown>];

/**
 * The envelope as it travels, `[task, args]` or `[task, args, fields]`, as a queued task's bytes
 * are most of a broker's memory: `id` and `queue` are left out (the broker carries them with
 * the message), and so are fields at their defaults (`v` 1, `retries` 0, `rootId` equal to
 * `id`, `parentId` null, `sentAt` the time of a UUIDv7 `id`).
 */
export function toWire(envelope: Envelope): WireEnvelope {
  const { v, id, queue, task, args, retries, rootId, parentId, sentAt, ...rest } = envelope;
  const fields: Record<string, unknown> = rest;
  if (v !== ENVELOPE_VERSION) fields.v = v;
  if (retries !== 0) fields.retries = retries;
  if (rootId !== id) fields.rootId = rootId;
  if (parentId !== null && parentId !== undefined) fields.parentId = parentId;
  if (sentAt !== undefined && sentAt !== uuidV7Time(id)) fields.sentAt = sentAt;
  for (const key in fields) if (fields[key] !== undefined) return [task, args, fields];
  return [task, args];
}

/**
 * The fields of a decoded message: the positional form `toWire` writes, or an object (messages
 * of earlier releases, which are still queued during a rolling deploy, and of other producers).
 */
export function readWireForm(value: unknown): Fields {
  if (!Array.isArray(value)) {
    if (!isPlainObject(value)) throw new MalformedMessage('expected an object');
    return value;
  }
  const [task, args, fields, ...extra] = value;
  if (value.length < 2 || extra.length > 0) {
    throw new MalformedMessage(
      `expected [task, args] or [task, args, fields], got an array of ${value.length}`,
    );
  }
  if (fields !== undefined && !isPlainObject(fields)) {
    throw new MalformedMessage(
      `its fields (third element) must be an object, got ${quoteValue(fields)}`,
    );
  }
  const v: Fields = fields ?? {};
  if (Object.hasOwn(v, 'task') || Object.hasOwn(v, 'args')) {
    throw new MalformedMessage('fields name "task" or "args", which the message gives by position');
  }
  v.task = task;
  v.args = args;
  return v;
}

/**
 * Checks a decoded value field by field and fills in what `toWire` left out: `carried` gives
 * the id and queue the broker delivered it with. A bad field throws a MalformedMessage naming
 * its path and the value received; unknown fields are kept as they are.
 */
export function validateEnvelope(value: unknown, carried?: CarriedFields): Envelope {
  const v = readWireForm(value);
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
  if (typeof v.id === 'string') {
    v.rootId ??= v.id;
    if (v.sentAt === undefined) {
      const madeAt = uuidV7Time(v.id);
      if (madeAt !== undefined) v.sentAt = madeAt;
    }
  }
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
