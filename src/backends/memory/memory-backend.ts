import { READY_STATES, type ResultBackend, type TaskResultRecord } from '../backend.ts';
import { decodeRecord, type EncodedRecord, encodeRecord } from '../record-json.ts';
import type {
  ChordJoin,
  ChordMemberOutcome,
  ChunkProgress,
  WorkflowStore,
} from '../workflow-store.ts';
import { MemoryChordStore } from './chord-join.ts';
import { MemoryProgressStore } from './chunk-progress.ts';

interface Entry {
  /** JSON, as the persistent backends store it, so values come back the same way. */
  record: EncodedRecord;
  state: TaskResultRecord['state'];
  /** Epoch ms after which the entry is gone; Infinity when it never expires. */
  expiresAt: number;
}

type Listener = (record: TaskResultRecord | undefined) => void;

/** Sweeping the whole map on every write would make `set` O(n); once a minute is plenty. */
const SWEEP_INTERVAL_MS = 60_000;

/** setTimeout fires at once for longer delays, so longer waits are capped at about 24 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A result backend for one process: results live in a Map and expire after their TTL.
 * `wait` is woken directly by `set`, so it costs nothing while it waits.
 */
export class MemoryBackend implements ResultBackend, WorkflowStore {
  private readonly chords = new MemoryChordStore();
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private lastSweep = Date.now();
  private readonly progress = new MemoryProgressStore();

  /** Nothing to open; present for the interface. */
  async connect(): Promise<void> {}

  /** Ends every pending `wait` with undefined; stored results stay readable. */
  async close(): Promise<void> {
    const pending = [...this.listeners.values()].flatMap((set) => [...set]);
    for (const listener of pending) listener(undefined);
  }

  /** Returns the record, or undefined when it is unknown or expired. */
  async get(id: string): Promise<TaskResultRecord | undefined> {
    const entry = this.read(id);
    return entry && decodeRecord(entry.record);
  }

  /** Stores a copy of the record and wakes waiters when its state is ready. */
  async set(record: TaskResultRecord, ttlMs: number): Promise<void> {
    const now = Date.now();
    const entry: Entry = {
      record: encodeRecord(record),
      state: record.state,
      expiresAt: ttlMs > 0 ? now + ttlMs : Infinity,
    };
    this.entries.set(record.id, entry);
    if (READY_STATES.has(entry.state)) this.notify(record.id, entry);
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
  }

  /** Removes the record. */
  async forget(id: string): Promise<void> {
    this.entries.delete(id);
  }

  /** Counts a chord member once and says what it must do next; see `WorkflowStore`. */
  async joinChord(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    ttlMs: number,
  ): Promise<ChordJoin> {
    return this.chords.join(chordId, size, index, outcome, ttlMs);
  }

  /** Deletes a chord's state. */
  async forgetChord(chordId: string): Promise<void> {
    this.chords.forget(chordId);
  }

  /** Resolves as soon as a ready record is stored for `id`, or undefined at timeout or abort. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<TaskResultRecord | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    const current = this.read(id);
    if (current && READY_STATES.has(current.state)) {
      return Promise.resolve(decodeRecord(current.record));
    }
    if (timeoutMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish: Listener = (record) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.removeListener(id, finish);
        resolve(record);
      };
      const onAbort = () => finish(undefined);
      const timer = setTimeout(onAbort, Math.min(timeoutMs, MAX_TIMER_MS));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.addListener(id, finish);
    });
  }

  /** The chunked-task progress stored under `key`, or undefined. */
  async readProgress(key: string): Promise<ChunkProgress | undefined> {
    return this.progress.read(key);
  }

  /** Stores `next` only when the progress is at `fromStep`; see WorkflowStore. */
  async commitProgress(
    key: string,
    fromStep: number,
    next: ChunkProgress,
    ttlMs: number,
  ): Promise<boolean> {
    return this.progress.commit(key, fromStep, next, ttlMs);
  }

  /** The live entry, dropping it when it has expired. */
  private read(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  private notify(id: string, entry: Entry): void {
    const set = this.listeners.get(id);
    if (!set) return;
    // Listeners remove themselves while running, so iterate over a snapshot; each waiter
    // gets its own decoded copy.
    for (const listener of [...set]) listener(decodeRecord(entry.record));
  }

  private addListener(id: string, listener: Listener): void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
  }

  private removeListener(id: string, listener: Listener): void {
    const set = this.listeners.get(id);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.listeners.delete(id);
  }

  /** Drops expired entries nobody reads any more, so the map cannot grow without bound. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(id);
    }
  }
}
