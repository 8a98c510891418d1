import { inspect } from 'node:util';

/** The longest repr of a task's arguments sent to an error tracker, by default. */
export const DEFAULT_MAX_REPR_LENGTH = 1024;

/** The longest repr of a task's arguments carried in an event. */
const EVENT_REPR_LENGTH = 300;

/**
 * A readable, bounded text of a value (Python's repr, as Celery sends): nested data is cut at
 * a few levels, arrays at `maxArrayLength` items and the whole at `maxLength` characters, so a
 * task called with a large payload does not make a large event or report. Never throws,
 * whatever the value holds.
 */
export function shortRepr(
  value: unknown,
  maxLength = DEFAULT_MAX_REPR_LENGTH,
  maxArrayLength = 50,
): string {
  let text: string;
  try {
    text = inspect(value, {
      depth: 3,
      breakLength: Number.POSITIVE_INFINITY,
      maxArrayLength,
      maxStringLength: maxLength,
      compact: true,
    });
  } catch {
    // A proxy or a getter that throws; say so rather than fail the report.
    text = '<arguments that cannot be shown>';
  }
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

/** A task's arguments (and keyword arguments) as events carry them. */
export function argsRepr(
  args: unknown[],
  kwargs?: Record<string, unknown>,
  max = EVENT_REPR_LENGTH,
): string {
  return shortRepr(kwargs ? [...args, kwargs] : args, max, 20);
}
