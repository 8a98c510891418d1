/** The label value that stands for every value past a cap. */
export const OTHER_LABEL = 'other';

/** Longest label value kept; longer ones are cut, so one value cannot hold much memory. */
const MAX_VALUE_LENGTH = 128;

/**
 * The distinct values one label may take, up to `max`: label values come from the event
 * stream, and a malformed or hostile stream must not grow the registry without bound.
 * Values past the cap fold into `other`; `onFold` hears each fold.
 */
export class LabelCap {
  readonly #seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly onFold: () => void = () => {},
  ) {}

  /** The value to use for `raw`: itself while there is room, else `other`. */
  value(raw: string): string {
    const value = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.max) {
      this.onFold();
      return OTHER_LABEL;
    }
    this.#seen.add(value);
    return value;
  }

  /** Distinct values kept so far. */
  get size(): number {
    return this.#seen.size;
  }
}
