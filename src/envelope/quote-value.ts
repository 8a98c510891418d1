/** The longest string shown in full inside a reason; longer ones are cut and their length given. */
const SHOWN_CHARS = 40;

/**
 * A short text of a received value for an error reason: strings quoted (and cut), numbers and
 * the like as written, containers only by kind. Reads no property a hostile value could
 * intercept, so it never throws and never grows with the value.
 */
export function quoteValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return describeObject(value as object | null);
  }
}

function quoteString(text: string): string {
  if (text.length <= SHOWN_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, SHOWN_CHARS))}… (${text.length} characters)`;
}

function describeObject(value: object | null): string {
  if (value === null) return 'null';
  try {
    if (!Array.isArray(value)) return 'an object';
    const { length } = value;
    return length === 0 ? 'an empty array' : `an array of ${length}`;
  } catch {
    // A revoked proxy throws even on Array.isArray.
    return 'an object';
  }
}
