import {
  type ChordState,
  chordExpiry,
  chordSizeMismatch,
  decodeChordValue,
  encodeOutcome,
  failedJoin,
  validateChordMember,
  WAIT,
} from '../chord-rules.ts';
import type { ChordJoin, ChordMemberOutcome } from '../workflow-store.ts';

interface Chord {
  size: number;
  state: ChordState;
  /**
   * JSON value per member index counted so far. A map, not an array of `size`: the size comes
   * from a message, and an array of two billion holes would exhaust the heap on the first join.
   */
  values: Map<number, string>;
  /** How many indexes hold a value. */
  joined: number;
  /** Epoch ms after which the chord is gone; Infinity when it never expires. */
  expiresAt: number;
}

/** Sweeping every chord on every join would make joins O(chords); once a minute is plenty. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Chord joins for the memory backend. `join` runs to completion without awaiting, so two
 * joins in this process cannot interleave.
 */
export class MemoryChordStore {
  private readonly chords = new Map<string, Chord>();
  private lastSweep = Date.now();

  /** Counts member `index` once and says what it must do next; see `WorkflowStore.joinChord`. */
  join(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    ttlMs: number,
  ): ChordJoin {
    validateChordMember(chordId, size, index);
    // Encode before touching the state, so a value JSON cannot hold changes nothing.
    const json = encodeOutcome(outcome);
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
    const chord = this.live(chordId, now) ?? this.start(chordId, size);
    if (chord.size !== size) throw chordSizeMismatch(chordId, size, index, chord.size);
    if (chord.state !== 'open' || chord.values.has(index)) return WAIT;
    chord.expiresAt = chordExpiry(now, ttlMs) ?? Infinity;
    if (!outcome.ok) {
      this.settle(chord, 'failed');
      return failedJoin(index, outcome);
    }
    chord.values.set(index, json ?? 'null');
    chord.joined += 1;
    if (chord.joined < size) return WAIT;
    // Every index from 0 to size - 1 holds a value by now.
    const values = Array.from({ length: size }, (_, i) =>
      decodeChordValue(chord.values.get(i) ?? 'null'),
    );
    this.settle(chord, 'complete');
    return { kind: 'complete', values };
  }

  /** Deletes the chord's state. */
  forget(chordId: string): void {
    this.chords.delete(chordId);
  }

  private start(chordId: string, size: number): Chord {
    const chord: Chord = {
      size,
      state: 'open',
      values: new Map(),
      joined: 0,
      expiresAt: Infinity,
    };
    this.chords.set(chordId, chord);
    return chord;
  }

  /** Keeps only the outcome: later joins answer `wait` whatever their values were. */
  private settle(chord: Chord, state: ChordState): void {
    chord.state = state;
    chord.values = new Map();
  }

  /** The chord unless it has expired (an expired one is dropped on the way). */
  private live(chordId: string, now: number): Chord | undefined {
    const chord = this.chords.get(chordId);
    if (chord && chord.expiresAt <= now) {
      this.chords.delete(chordId);
      return undefined;
    }
    return chord;
  }

  /** Drops expired chords nobody joins any more, so the map cannot grow without bound. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [chordId, chord] of this.chords) {
      if (chord.expiresAt <= now) this.chords.delete(chordId);
    }
  }
}
