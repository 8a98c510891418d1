import { InvalidArgumentError, Option } from 'commander';
import { parseByteSize } from '../config/byte-size.ts';
import { isPriority } from '../envelope/envelope.ts';
import { quoteValue } from '../envelope/quote-value.ts';
import { parseDuration } from '../time/duration.ts';

/** Commander parser for a positive integer flag. */
export function positiveInt(value: string): number {
  // Safe integers only: past 2^53 the number read is not the one written.
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a positive integer, got ${quoteValue(value)}`);
  }
  return Number(value);
}

/** Commander parser for a duration flag (`500ms`, `30s`, `5m`). */
export function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Commander parser for a memory size flag (`200MB`, `1.5GB`), in bytes. */
export function byteSize(value: string): number {
  try {
    return parseByteSize(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Commander parser for a comma-separated queue list. */
export function queueList(value: string): string[] {
  const queues = value.split(',').map((q) => q.trim());
  const bad = queues.find((q) => !/^[\w.:@-]+$/.test(q));
  if (bad !== undefined) throw new InvalidArgumentError(`invalid queue name ${quoteValue(bad)}`);
  return queues;
}

/** Commander parser for a priority 0-9. */
export function priority(value: string): number {
  // One digit, as written: Number() alone would read "" and " " as 0 and "0x5" as 5.
  if (!/^\d$/.test(value) || !isPriority(Number(value)))
    throw new InvalidArgumentError(`expected an integer from 0 to 9, got ${quoteValue(value)}`);
  return Number(value);
}

/** Commander parser for a JSON flag of the given shape. */
export function json(shape: 'array' | 'object') {
  return (value: string): unknown => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      // The parser's message quotes the input, which may span lines.
      const reason = (error as Error).message.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
      throw new InvalidArgumentError(`not valid JSON: ${reason}`);
    }
    const ok =
      shape === 'array'
        ? Array.isArray(parsed)
        : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    if (!ok) throw new InvalidArgumentError(`expected a JSON ${shape}`);
    return parsed;
  };
}

/** Commander parser for a TCP port 0-65535 (0: any free port). */
export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got ${quoteValue(value)}`);
  }
  return Number(value);
}

/** `-l, --loglevel <level>`, the same choices on every long-running command. */
export function logLevelOption(): Option {
  return new Option('-l, --loglevel <level>', 'log level').choices([
    'trace',
    'debug',
    'info',
    'warn',
    'error',
    'silent',
  ]);
}
