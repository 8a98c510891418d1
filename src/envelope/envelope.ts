import { validateMembership, validateNodes } from '../canvas/canvas-node.ts';
import { MalformedMessage } from '../errors/errors.ts';

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
 * the id and queue the broker delivered it with.
 */
export function validateEnvelope(value: unknown, carried?: CarriedFields): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedMessage('expected an object');
  }
  const v = value as Record<string, unknown>;
  if (carried) {
    v.id ??= carried.id;
    v.queue ??= carried.queue;
  }
  v.v ??= ENVELOPE_VERSION;
  v.retries ??= 0;
  v.parentId ??= null;
  if (typeof v.id === 'string') v.rootId ??= v.id;
  requireString(v, 'id');
  requireString(v, 'task');
  requireString(v, 'queue');
  requireString(v, 'rootId');
  if (!Array.isArray(v.args)) throw new MalformedMessage('field "args" must be an array');
  if (typeof v.v !== 'number') throw new MalformedMessage('field "v" must be a number');
  if (!Number.isInteger(v.retries) || (v.retries as number) < 0) {
    throw new MalformedMessage('field "retries" must be a non-negative integer');
  }
  if (v.kwargs !== undefined && !isPlainObject(v.kwargs)) {
    throw new MalformedMessage('field "kwargs" must be an object');
  }
  if (v.priority !== undefined && !isPriority(v.priority)) {
    throw new MalformedMessage('field "priority" must be an integer from 0 to 9');
  }
  optionalDate(v, 'eta');
  optionalDate(v, 'expires');
  if (v.headers !== undefined && !isPlainObject(v.headers)) {
    throw new MalformedMessage('field "headers" must be an object');
  }
  validateWorkflowFields(v);
  return v as Envelope;
}

/** Workflow fields are checked on receipt, so a bad one dead-letters the message, not its successors. */
function validateWorkflowFields(v: Record<string, unknown>): void {
  if (v.links !== undefined) validateNodes(v.links, 'field "links"');
  if (v.errbacks !== undefined) validateNodes(v.errbacks, 'field "errbacks"');
  if (v.chain !== undefined) validateNodes(v.chain, 'field "chain"');
  if (v.chord !== undefined) validateMembership(v.chord, 'field "chord"');
}

/** True for the integers 0 to 9. */
export function isPriority(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 9;
}

function requireString(v: Record<string, unknown>, key: string): void {
  if (typeof v[key] !== 'string' || v[key] === '') {
    throw new MalformedMessage(`field "${key}" must be a non-empty string`);
  }
}

function optionalDate(v: Record<string, unknown>, key: string): void {
  const value = v[key];
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new MalformedMessage(`field "${key}" must be an ISO 8601 date`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
