import type { BeatStore } from '../brokers/contract/beat-store.ts';
import type { Coordination } from '../brokers/contract/index.ts';
import type { AnyCanvas } from '../canvas/canvas.ts';
import type { CanvasNode } from '../canvas/canvas-node.ts';
import { ConfigError } from '../errors/errors.ts';
import type { TaskRegistry } from '../task/registry.ts';
import {
  type BeatEntry,
  type BeatEntryOptions,
  defineEntry,
  fromStoredEntry,
  toStoredEntry,
} from './beat-entry.ts';
import { EntryRegistry, mergeEntries } from './entry-registry.ts';
import type { ScheduleSpec } from './schedule-spec.ts';

/** The scheduler group an app's entries belong to unless told otherwise. */
export const DEFAULT_BEAT_GROUP = 'default';

/** What the beat API needs of the app. */
export interface BeatHost {
  /** The registered tasks, against which entries' signatures are checked. */
  readonly registry: TaskRegistry;
  /** The coordination whose BeatStore keeps run-time entries. */
  readonly coordination: Coordination;
  /** The coordination as errors name it (`the broker …`). */
  readonly coordinationLabel: string;
  /** Connects the broker before a run-time entry is read or written. */
  connect(): Promise<void>;
}

/** What `app.beat.change` can replace; what is left out stays. */
export interface BeatEntryChange {
  /** When the entry fires from now on. */
  schedule?: ScheduleSpec;
  /** The workflow each tick sends from now on. */
  signature?: AnyCanvas;
  /** The entry's new options; they replace the old ones whole. */
  options?: BeatEntryOptions;
}

/**
 * An app's periodic tasks: the entries declared in code, and the run-time entries every
 * scheduler of the group reads from the broker (RedBeat-style add, change, remove).
 */
export class BeatControl {
  constructor(
    private readonly host: BeatHost,
    /** Entries declared with `app.schedule`, shared by every group's view. */
    readonly code: EntryRegistry = new EntryRegistry(),
    /** The scheduler group whose run-time entries this reads and writes. */
    readonly group: string = DEFAULT_BEAT_GROUP,
  ) {}

  /** The same app's entries in another scheduler group. */
  inGroup(group: string): BeatControl {
    return new BeatControl(this.host, this.code, group);
  }

  /** Declares an entry in code (what `app.schedule` does); checked now. */
  schedule(
    name: string,
    schedule: ScheduleSpec,
    signature: AnyCanvas,
    options: BeatEntryOptions = {},
  ): BeatEntry {
    const entry = defineEntry(this.host.registry, name, schedule, signature, options, 'code');
    this.code.add(entry);
    return entry;
  }

  /**
   * Adds a run-time entry, seen by every scheduler of the group at its next check. A name
   * already added at run time is refused; a code entry's name is allowed and overrides it.
   */
  async add(
    name: string,
    schedule: ScheduleSpec,
    signature: AnyCanvas,
    options: BeatEntryOptions = {},
  ): Promise<BeatEntry> {
    const entry = defineEntry(this.host.registry, name, schedule, signature, options, 'store');
    const store = await this.store();
    const { entries } = await store.entries(this.group);
    if (entries.some((stored) => stored.name === name))
      throw new ConfigError(`beat['${name}']`, 'an entry with this name is already scheduled');
    await store.putEntry(this.group, toStoredEntry(entry, Date.now()));
    return entry;
  }

  /** Replaces parts of an entry; changing a code entry stores an override of it. */
  async change(name: string, change: BeatEntryChange): Promise<BeatEntry> {
    const store = await this.store();
    const current =
      (await this.storedEntries(store)).find((e) => e.name === name) ?? this.code.get(name);
    if (!current) throw new ConfigError(`beat['${name}']`, 'no entry with this name');
    const node: CanvasNode = change.signature?.toNode() ?? current.node;
    const entry = defineEntry(
      this.host.registry,
      name,
      change.schedule ?? current.schedule.spec,
      node,
      change.options ?? current.options,
      'store',
    );
    await store.putEntry(this.group, toStoredEntry(entry, Date.now()));
    return entry;
  }

  /** Removes a run-time entry (a code entry it overrode applies again); true when it existed. */
  async remove(name: string): Promise<boolean> {
    return (await this.store()).removeEntry(this.group, name);
  }

  /** Every entry the group's schedulers run: code entries, overridden by stored ones. */
  async list(): Promise<BeatEntry[]> {
    const store = this.host.coordination.beat;
    if (!store) return this.code.list();
    await this.host.connect();
    return mergeEntries(this.code.list(), await this.storedEntries(store));
  }

  /** The broker's BeatStore, connected; a ConfigError when the broker keeps none. */
  async store(): Promise<BeatStore> {
    const store = requireBeatStore(this.host);
    await this.host.connect();
    return store;
  }

  private async storedEntries(store: BeatStore): Promise<BeatEntry[]> {
    const { entries } = await store.entries(this.group);
    return entries.map((stored) => fromStoredEntry(this.host.registry, stored));
  }
}

/** The BeatStore; a ConfigError naming the coordination when it keeps none. */
export function requireBeatStore(
  host: Pick<BeatHost, 'coordination' | 'coordinationLabel'>,
): BeatStore {
  if (host.coordination.beat) return host.coordination.beat;
  throw new ConfigError(
    'beat',
    `${host.coordinationLabel} keeps no scheduler state (it has no BeatStore); use the memory, SQLite or Redis broker, or set \`coordination\` to one of them`,
  );
}
