import { readWireForm } from '../../envelope/envelope.ts';
import { quoteValue } from '../../envelope/quote-value.ts';
import type { Serializer } from '../../serializers/serializer.ts';

/** The largest body a listing decodes; a bigger one is listed by its other fields. */
export const MAX_LISTED_BODY_BYTES = 1024 * 1024;

/** The longest id, queue or task name shown; the reason and an undecoded body get more. */
const SHORT_TEXT = 200;
const LONG_TEXT = 2000;

/**
 * A dead letter as `dlq list` shows it, whatever was stored: every field is text (or a time),
 * and `unreadable` says what could not be read and why. The broker's storage can hold anything
 * (another program's writes, corruption, a message dead-lettered for being malformed).
 */
export interface DeadLetterView {
  id: string;
  queue: string;
  /** The task name from the message, or `?`. */
  task: string;
  reason: string;
  /** Epoch ms, or null when the stored time is not one. */
  failedAt: number | null;
  /** The decoded message, when the body decodes. */
  message?: unknown;
  /** The body as text, when it does not decode. */
  body?: string;
  /** What could not be read, one phrase each. */
  unreadable?: string[];
}

/** Reads a listed dead letter field by field; never throws, whatever its fields hold. */
export function viewDeadLetter(letter: unknown, serializer: Serializer): DeadLetterView {
  try {
    return readLetter(letter as Record<string, unknown>, serializer);
  } catch (error) {
    const view = { id: '?', queue: '?', task: '?', reason: '?', failedAt: null };
    return { ...view, unreadable: [`the dead letter itself (${errorText(error)})`] };
  }
}

function readLetter(letter: Record<string, unknown>, serializer: Serializer): DeadLetterView {
  const unreadable: string[] = [];
  const text = (name: string, max: number) => {
    const read = readText(letter[name], max);
    if (read === undefined) unreadable.push(`${name} (${quoteValue(letter[name])})`);
    return read ?? '?';
  };
  const view: DeadLetterView = {
    id: text('id', SHORT_TEXT),
    queue: text('queue', SHORT_TEXT),
    task: '?',
    reason: text('reason', LONG_TEXT),
    failedAt: readTime(letter.failedAt),
  };
  if (view.failedAt === null) unreadable.push(`failedAt (${quoteValue(letter.failedAt)})`);
  readBody(view, letter.body, serializer, unreadable);
  if (unreadable.length > 0) view.unreadable = unreadable;
  return view;
}

/** Fills in the message and its task, or the body as text and why it was not decoded. */
function readBody(
  view: DeadLetterView,
  body: unknown,
  serializer: Serializer,
  unreadable: string[],
): void {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  if (!(bytes instanceof Uint8Array)) {
    unreadable.push(`body (${quoteValue(body)})`);
    return;
  }
  if (bytes.byteLength > MAX_LISTED_BODY_BYTES) {
    unreadable.push(`body (${bytes.byteLength} bytes, over the ${MAX_LISTED_BODY_BYTES} listed)`);
    return;
  }
  try {
    view.message = serializer.decode(bytes);
  } catch (error) {
    view.body = cut(Buffer.from(bytes).toString('utf8'), LONG_TEXT);
    unreadable.push(`body (${errorText(error)})`);
    return;
  }
  let message: Record<string, unknown>;
  try {
    message = readWireForm(view.message);
  } catch (error) {
    const why = Array.isArray(view.message)
      ? errorText(error)
      : `the message is ${quoteValue(view.message)}, not an object`;
    unreadable.push(`task (${why})`);
    return;
  }
  view.message = message;
  // Own fields only: a stored "__proto__" key is data, never a prototype to read through.
  const task = Object.hasOwn(message, 'task') ? (message as { task: unknown }).task : undefined;
  if (typeof task === 'string' && task !== '') view.task = cut(task, SHORT_TEXT);
  else unreadable.push(`task (${task === undefined ? 'missing' : quoteValue(task)})`);
}

/** Text of a stored string, number or bytes (SQLite returns what was stored, not the column type). */
function readText(value: unknown, max: number): string | undefined {
  if (typeof value === 'string') return cut(value, max);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) return cut(Buffer.from(value).toString('utf8'), max);
  return undefined;
}

/** Epoch ms inside the range a Date can show, else null. */
function readTime(value: unknown): number | null {
  const ms = typeof value === 'bigint' ? Number(value) : value;
  return typeof ms === 'number' && Math.abs(ms) <= 8.64e15 ? ms : null;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** An error's message, cut; read safely, as a serializer may throw anything. */
function errorText(error: unknown): string {
  try {
    return cut(error instanceof Error ? error.message : quoteValue(error), LONG_TEXT);
  } catch {
    return 'an error that cannot be shown';
  }
}
