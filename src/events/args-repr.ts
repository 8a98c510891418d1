import { inspect } from 'node:util';

const MAX_REPR = 300;

/** A short, safe text of a task's arguments for events and error reports (never the full payload). */
export function argsRepr(
  args: unknown[],
  kwargs?: Record<string, unknown>,
  max = MAX_REPR,
): string {
  const text = inspect(kwargs ? [...args, kwargs] : args, {
    depth: 3,
    breakLength: Number.POSITIVE_INFINITY,
    maxArrayLength: 20,
    maxStringLength: max,
  });
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
