import type { Logger } from 'pino';
import type { BeatStore } from '../brokers/contract/beat-store.ts';
import type { TaskRegistry } from '../task/registry.ts';
import { type BeatEntry, fromStoredEntry } from './beat-entry.ts';
import { type EntryRegistry, mergeEntries } from './entry-registry.ts';

/**
 * The entries a scheduler runs, re-read from the store only when its version changed (checked
 * on every pass, which costs one small read).
 */
export class EntrySource {
  private version: number | undefined;
  private merged: BeatEntry[] = [];

  constructor(
    private readonly registry: TaskRegistry,
    private readonly code: EntryRegistry,
    private readonly store: BeatStore,
    private readonly group: string,
    private readonly log: Logger,
  ) {}

  /** Code entries overridden by stored ones, as of now. */
  async current(): Promise<BeatEntry[]> {
    const { version, entries } = await this.store.entries(this.group);
    if (version === this.version) return this.merged;
    const stored: BeatEntry[] = [];
    for (const raw of entries) {
      try {
        stored.push(fromStoredEntry(this.registry, raw));
      } catch (error) {
        // One bad entry (say, written by a newer release) must not stop the others.
        this.log.error({ entry: raw.name, err: error }, 'beat: skipping an invalid stored entry');
      }
    }
    this.merged = mergeEntries(this.code.list(), stored);
    this.version = version;
    return this.merged;
  }
}
