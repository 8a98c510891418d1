import type { StoredError } from '../backends/backend.ts';
import { quoteValue } from '../envelope/quote-value.ts';
import { MalformedMessage } from '../errors/errors.ts';
import { parseDuration } from '../time/duration.ts';

/** Per-call options a signature carries; times stay relative until the node is sent. */
export interface NodeOptions {
  /** The queue to send to, over the task's queue and the app's routes. */
  queue?: string;
  /** 0 to 9, higher runs first; overrides the task's priority. */
  priority?: number;
  /** Delay before the task may start, counted from when this step is sent. */
  countdown?: string | number;
  /** ISO time before which the task may not start. */
  eta?: string;
  /** A duration counted from when this step is sent. */
  expires?: string | number;
  /** ISO time after which the task is dropped as EXPIRED. */
  expiresAt?: string;
  /** The task id; chains, groups and chords assign ids to their steps when they are sent. */
  id?: string;
  /** Headers of your own, carried with the message; the handler reads them as `ctx.headers`. */
  headers?: Record<string, unknown>;
  /** Keyword arguments, for tasks called from Celery-style producers (`ctx.kwargs`). */
  kwargs?: Record<string, unknown>;
  /** Sent with this task's value when it succeeds. */
  link?: CanvasNode[];
  /** Sent with a TaskFailureInfo when this task fails for good. */
  linkError?: CanvasNode[];
}

/** One task call: `task.s(...)` (partial: the previous value is prepended) or `task.si(...)`. */
export interface TaskNode {
  /** Marks a task call. */
  kind: 'task';
  /** The registered name of the task. */
  task: string;
  /** Its arguments; unless `immutable`, the previous step's value goes before them when sent. */
  args: unknown[];
  /** Where and when it runs, its id, and the callbacks sent when it ends. */
  options: NodeOptions;
  /** True for `si()`: the previous value is not passed. */
  immutable?: boolean;
}

/** Steps run one after the other, each receiving the value of the one before. */
export interface ChainNode {
  /** Marks a chain. */
  kind: 'chain';
  /** The steps, in the order they run. */
  steps: CanvasNode[];
}

/** Members run in parallel. */
export interface GroupNode {
  /** Marks a group. */
  kind: 'group';
  /** Set when the group is sent; every member's message carries it. */
  id?: string;
  /** The workflows run in parallel; each receives the same previous value, if any. */
  members: CanvasNode[];
}

/** A group whose callback runs once, with every member's value in order, when all succeeded. */
export interface ChordNode {
  /** Marks a chord. */
  kind: 'chord';
  /** Set when the chord is sent: the key of its join in the result backend. */
  id?: string;
  /** The workflows run in parallel, as in a group. */
  members: CanvasNode[];
  /** The callback, sent once every member succeeded, with an array of their values in order. */
  body: CanvasNode;
  /** Run with a ChordFailureInfo when a member fails for good (the body then never runs). */
  linkError?: CanvasNode[];
}

/** Any workflow, as it travels inside messages: plain JSON. */
export type CanvasNode = TaskNode | ChainNode | GroupNode | ChordNode;

/** What an error callback receives (first, unless it is immutable) when a task failed for good. */
export interface TaskFailureInfo {
  /** The id of the task that failed. */
  id: string;
  /** Its registered name. */
  task: string;
  /** Its failure. */
  error: StoredError;
}

/** What a chord's error callback receives: the failed member and where it sits. */
export interface ChordFailureInfo extends TaskFailureInfo {
  /** The id of the chord. */
  chordId: string;
  /** The member's position in the chord, from 0. */
  index: number;
}

/** Membership of a chord, carried by the message of the member's last step. */
export interface ChordMembership {
  id: string;
  size: number;
  index: number;
  body: CanvasNode;
  linkError?: CanvasNode[];
}

/**
 * Checks a node decoded from a message, so a malformed workflow fails with the path of the bad
 * field rather than deep inside the worker. Returns the same value, typed.
 */
export function validateNode(value: unknown, path = 'node'): CanvasNode {
  const node = asObject(value, path);
  switch (node.kind) {
    case 'task':
      if (typeof node.task !== 'string' || node.task === '')
        throw new MalformedMessage(`${path}.task must be a non-empty string`);
      if (!Array.isArray(node.args)) throw new MalformedMessage(`${path}.args must be an array`);
      validateOptions(node.options, `${path}.options`);
      return node as unknown as TaskNode;
    case 'chain':
      validateNodes(node.steps, `${path}.steps`);
      // Sending a chain starts with its first step; one without steps can never be sent.
      if ((node.steps as unknown[]).length === 0)
        throw new MalformedMessage(`${path}.steps must hold at least one step`);
      return node as unknown as ChainNode;
    case 'group':
      validateNodes(node.members, `${path}.members`);
      return node as unknown as GroupNode;
    case 'chord':
      validateNodes(node.members, `${path}.members`);
      validateNode(node.body, `${path}.body`);
      if (node.linkError !== undefined) validateNodes(node.linkError, `${path}.linkError`);
      return node as unknown as ChordNode;
    default:
      throw new MalformedMessage(`${path}.kind must be task, chain, group or chord`);
  }
}

/** Checks a list of nodes (see validateNode). */
export function validateNodes(value: unknown, path: string): CanvasNode[] {
  if (!Array.isArray(value)) throw new MalformedMessage(`${path} must be an array`);
  for (const [index, item] of value.entries()) validateNode(item, `${path}[${index}]`);
  return value as CanvasNode[];
}

/** Checks a chord membership decoded from a message. */
export function validateMembership(value: unknown, path = 'chord'): ChordMembership {
  const membership = asObject(value, path);
  if (typeof membership.id !== 'string' || membership.id === '')
    throw new MalformedMessage(`${path}.id must be a non-empty string`);
  const { size, index } = membership;
  if (!Number.isInteger(size) || (size as number) < 1)
    throw new MalformedMessage(`${path}.size must be a positive integer`);
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= (size as number))
    throw new MalformedMessage(`${path}.index must be an integer from 0 to size - 1`);
  validateNode(membership.body, `${path}.body`);
  if (membership.linkError !== undefined) validateNodes(membership.linkError, `${path}.linkError`);
  return membership as unknown as ChordMembership;
}

function validateOptions(value: unknown, path: string): void {
  const options = asObject(value, path);
  validateSendOptions(options, path);
  if (options.link !== undefined) validateNodes(options.link, `${path}.link`);
  if (options.linkError !== undefined) validateNodes(options.linkError, `${path}.linkError`);
}

/**
 * Longest countdown or expiry accepted (about 126,000 years): now plus more is past the last
 * time a Date can hold, and sending the step would throw.
 */
const MAX_DURATION_MS = 4e15;

/**
 * The options a step is sent with, checked as sending them would: a step that can never be
 * sent would otherwise make its parent run again at every lease, without an outcome.
 */
function validateSendOptions(options: Record<string, unknown>, path: string): void {
  const { id, queue, priority, countdown, expires, eta, expiresAt, headers, kwargs } = options;
  if (id !== undefined && !isText(id)) badOption(path, 'id', 'a non-empty string', id);
  if (queue !== undefined && !isText(queue)) badOption(path, 'queue', 'a non-empty string', queue);
  if (priority !== undefined && !isPriority(priority))
    badOption(path, 'priority', 'an integer from 0 to 9', priority);
  for (const [key, duration] of [
    ['countdown', countdown],
    ['expires', expires],
  ] as const) {
    if (duration !== undefined && !isDuration(duration))
      badOption(path, key, 'a duration such as 30s or a number of ms', duration);
  }
  for (const [key, date] of [
    ['eta', eta],
    ['expiresAt', expiresAt],
  ] as const) {
    if (date !== undefined && !isDate(date)) badOption(path, key, 'a date', date);
  }
  if (headers !== undefined && !isRecord(headers)) badOption(path, 'headers', 'an object', headers);
  if (kwargs !== undefined && !isRecord(kwargs)) badOption(path, 'kwargs', 'an object', kwargs);
}

function badOption(path: string, key: string, expected: string, got: unknown): never {
  throw new MalformedMessage(`${path}.${key} must be ${expected}, got ${quoteValue(got)}`);
}

const isText = (value: unknown) => typeof value === 'string' && value !== '';
const isRecord = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isPriority = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 9;

function isDuration(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  try {
    return parseDuration(value) <= MAX_DURATION_MS;
  } catch {
    return false;
  }
}

function isDate(value: unknown): boolean {
  return (
    (typeof value === 'string' || typeof value === 'number') &&
    Number.isFinite(new Date(value).getTime())
  );
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MalformedMessage(`${path} must be an object`);
  return value as Record<string, unknown>;
}
