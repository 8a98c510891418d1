import type { DeadLetterView } from './dead-letter-view.ts';

// C0 and C1 controls, and the bidirectional overrides that can make a line read other than it is.
const UNPRINTABLE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

/** A dead letter as two lines of text: time, id, queue and task (and what was unreadable), then the reason. */
export function textLines(view: DeadLetterView): string {
  const when = view.failedAt === null ? '?' : new Date(view.failedAt).toISOString();
  const fields = [when, view.id, view.queue, view.task].map(printable).join('  ');
  const unreadable = view.unreadable ? `  (could not read: ${view.unreadable.join('; ')})` : '';
  return `${fields}${printable(unreadable)}\n    ${printable(view.reason)}\n`;
}

/** A dead letter as one JSON line; a message JSON cannot show is left out, and said so. */
export function jsonLine(view: DeadLetterView): string {
  try {
    return `${JSON.stringify(view)}\n`;
  } catch (error) {
    const { message: _unshown, ...rest } = view;
    const why = `message (cannot be shown as JSON: ${(error as Error).message})`;
    return `${JSON.stringify({ ...rest, unreadable: [...(rest.unreadable ?? []), why] })}\n`;
  }
}

/** Text with control characters written as escapes, so one stored value cannot break or recolour a line. */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
