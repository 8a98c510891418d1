import { InvalidArgumentError, Option } from 'commander';
import { parseByteSize } from '../config/byte-size.ts';
import { isPriority } from '../envelope/envelope.ts';
import { parseDuration } from '../time/duration.ts';

/** Commander parser for a positive integer flag. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
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
  if (bad !== undefined) throw new InvalidArgumentError(`invalid queue name "${bad}"`);
  return queues;
}

/** Commander parser for a priority 0-9. */
export function priority(value: string): number {
  const n = Number(value);
  if (!isPriority(n))
    throw new InvalidArgumentError(`expected an integer from 0 to 9, got "${value}"`);
  return n;
}

/** Commander parser for a JSON flag of the given shape. */
export function json(shape: 'array' | 'object') {
  return (value: string): unknown => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
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
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
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
