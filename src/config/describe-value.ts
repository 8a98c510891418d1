import { quoteValue } from '../envelope/quote-value.ts';

/** The longest JSON text of an object shown in an error; longer ones are cut. */
const SHOWN_CHARS = 60;

/**
 * A one-line text of a configured value for an error message: strings quoted, objects as
 * (cut) JSON when they have one, anything else by kind. Never throws, whatever the value.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined)
        return json.length <= SHOWN_CHARS ? json : `${json.slice(0, SHOWN_CHARS)}…`;
    } catch {
      // A cycle or a BigInt inside: fall back to its kind.
    }
  }
  return quoteValue(value);
}

/** A key as a path segment: `.name`, or `["odd key"]` when it is not a plain identifier. */
export function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
