import { ConfigError } from '../errors/errors.ts';
import { redactUrl } from '../logging/redact-url.ts';

/** How one family of URL schemes builds its adapter: `{ schemes: ['redis'], create }`. */
export interface SchemeEntry<T> {
  /** The schemes, without the colon (`redis`, `rediss`); matched case-insensitively. */
  readonly schemes: readonly string[];
  /** Builds the adapter for a URL of one of the schemes; opens nothing yet. */
  create(url: string): T;
}

/**
 * The URL schemes one config key accepts (`broker`, `backend`), each mapped to the adapter
 * that serves it. A new adapter registers its entry; no code that reads URLs changes.
 */
export class SchemeRegistry<T> {
  readonly #entries = new Map<string, SchemeEntry<T>>();

  /** `key`: the config key in errors; `noun`: what the URL names ("result backend"). */
  constructor(
    private readonly key: string,
    private readonly noun: string,
    entries: ReadonlyArray<SchemeEntry<T>>,
  ) {
    for (const entry of entries) this.register(entry);
  }

  /** Adds an entry; a scheme another entry serves already is a ConfigError. */
  register(entry: SchemeEntry<T>): void {
    for (const scheme of entry.schemes) {
      const name = scheme.toLowerCase();
      if (this.#entries.has(name)) {
        throw new ConfigError(this.key, `the ${this.noun} URL scheme "${name}:" is taken already`);
      }
      this.#entries.set(name, entry);
    }
  }

  /** The registered schemes, in registration order. */
  schemes(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * The adapter for `url`, or a ConfigError naming the supported schemes; `key` and `noun`
   * name another config key that takes these URLs (`coordination`).
   */
  create(url: string, key = this.key, noun = this.noun): T {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    const supported = `supported: ${this.schemes()
      .map((s) => `${s}://`)
      .join(', ')}`;
    if (scheme === undefined) {
      throw new ConfigError(key, `${noun} URL "${redactUrl(url)}" has no scheme (${supported})`);
    }
    const entry = this.#entries.get(scheme);
    if (!entry) {
      throw new ConfigError(key, `unsupported ${noun} URL scheme "${scheme}:" (${supported})`);
    }
    return entry.create(url);
  }
}
