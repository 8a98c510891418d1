import { ConfigError } from '../errors/errors.ts';
import type { BeatEntry } from './beat-entry.ts';

/** The entries an app declares in code (`app.schedule`), by name. */
export class EntryRegistry {
  private readonly byName = new Map<string, BeatEntry>();

  /** Adds an entry; a ConfigError when the name is taken. */
  add(entry: BeatEntry): void {
    if (this.byName.has(entry.name))
      throw new ConfigError(
        `beat['${entry.name}']`,
        'an entry with this name is already scheduled',
      );
    this.byName.set(entry.name, entry);
  }

  /** The entry of that name, if any. */
  get(name: string): BeatEntry | undefined {
    return this.byName.get(name);
  }

  /** Every entry, in the order they were added. */
  list(): BeatEntry[] {
    return [...this.byName.values()];
  }
}

/** Code entries and stored ones together; a stored entry replaces the code entry of its name. */
export function mergeEntries(code: BeatEntry[], stored: BeatEntry[]): BeatEntry[] {
  const merged = new Map(code.map((entry) => [entry.name, entry]));
  for (const entry of stored) merged.set(entry.name, entry);
  return [...merged.values()];
}
