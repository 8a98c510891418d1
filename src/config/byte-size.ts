import { quoteValue } from '../envelope/quote-value.ts';

/** A memory size as written in config and flags: `200MB`, `1.5GiB`, `512KB`. */
export type ByteSize = string | number;

const UNITS: Record<string, number> = {
  b: 1,
  kb: 2 ** 10,
  kib: 2 ** 10,
  mb: 2 ** 20,
  mib: 2 ** 20,
  gb: 2 ** 30,
  gib: 2 ** 30,
};

/**
 * Bytes of a size with a unit (KB, MB, GB, or their KiB forms; all binary, as memory is
 * reported), or a number of bytes. A bare number in a string is refused: Celery takes KiB there,
 * so the unit must be said.
 */
export function parseByteSize(size: ByteSize): number {
  if (typeof size === 'number') {
    if (Number.isFinite(size) && size >= 0.5 && Number.isSafeInteger(Math.round(size)))
      return Math.round(size);
    throw new RangeError(`expected a positive number of bytes, got ${size}`);
  }
  const match = typeof size === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(size) : null;
  const unit = match ? UNITS[(match[2] as string).toLowerCase()] : undefined;
  if (!match || unit === undefined)
    throw new RangeError(`expected a size such as 200MB or 1.5GB, got ${quoteValue(size)}`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes <= 0) throw new RangeError(`expected a size above zero, got ${quoteValue(size)}`);
  // Hundreds of digits read as Infinity, and past 2^53 bytes are no longer counted exactly.
  if (!Number.isSafeInteger(bytes))
    throw new RangeError(`expected a size below 8 PiB, got ${quoteValue(size)}`);
  return bytes;
}
