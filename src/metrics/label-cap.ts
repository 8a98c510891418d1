/** The label value that stands for every value past a cap. */
export const OTHER_LABEL = 'other';

/** Longest label value kept; longer ones are cut, so one value cannot hold much memory. */
const MAX_VALUE_LENGTH = 128;

/**
 * The distinct values a label (or a combination of labels) may take, up to `max`: label values
 * come from the event stream, and a malformed or hostile stream must not grow the registry
 * without bound. Values past the cap fold into `other`; `onFold` hears each fold.
 */
export class LabelCap {
  readonly #seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly onFold: () => void = () => {},
  ) {}

  /** The value to use for `raw`: itself (cut to 128 characters) while there is room, else `other`. */
  value(raw: string): string {
    const value = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    return this.admit(value) ? value : OTHER_LABEL;
  }

  /** True when `key` was seen before or there is room for it; a refusal counts as a fold. */
  admit(key: string): boolean {
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= this.max) {
      this.onFold();
      return false;
    }
    this.#seen.add(key);
    return true;
  }
}
