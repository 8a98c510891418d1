import { inspect } from 'node:util';

/** The longest repr of a task's arguments sent to Sentry, in characters, by default. */
export const DEFAULT_MAX_REPR_LENGTH = 1024;

/**
 * A readable, bounded text of a value (Python's repr, as Celery's integration sends): nested
 * data is cut at a few levels and the whole at `maxLength` characters, so a task called with a
 * large payload does not make a large event. Never throws, whatever the value holds.
 */
export function shortRepr(value: unknown, maxLength = DEFAULT_MAX_REPR_LENGTH): string {
  let text: string;
  try {
    text = inspect(value, {
      depth: 3,
      breakLength: Number.POSITIVE_INFINITY,
      maxArrayLength: 50,
      maxStringLength: maxLength,
      compact: true,
    });
  } catch {
    // A proxy or a getter that throws; say so rather than fail the report.
    text = '<arguments that cannot be shown>';
  }
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
