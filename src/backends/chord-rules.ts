import { CeleriacError } from '../errors/errors.ts';
import type { ChordJoin, ChordMemberOutcome, WorkflowStore } from './workflow-store.ts';

/** The chord half of `WorkflowStore`, which every built-in backend implements. */
export type ChordStore = Pick<WorkflowStore, 'joinChord' | 'forgetChord'>;

/**
 * Where a chord stands. Once it is `complete` or `failed` only this marker is kept (the values
 * are dropped), so a redelivered member still answers `wait` until the chord expires or is
 * forgotten.
 */
export type ChordState = 'open' | 'complete' | 'failed';

/** The answer for a member that must not act. */
export const WAIT: ChordJoin = Object.freeze({ kind: 'wait' });

/** Throws a CeleriacError unless `size` is a positive integer and `index` lies in [0, size). */
export function validateChordMember(chordId: string, size: number, index: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new CeleriacError(
      'CHORD_INVALID',
      `chord ${chordId}: size must be a positive integer, got ${size} (member index ${index})`,
    );
  }
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new CeleriacError(
      'CHORD_INVALID',
      `chord ${chordId}: member index ${index} is not an integer from 0 to ${size - 1} (size ${size})`,
    );
  }
}

/** The error for a member that names another size than the one the chord was started with. */
export function chordSizeMismatch(
  chordId: string,
  size: number,
  index: number,
  storedSize: number,
): CeleriacError {
  return new CeleriacError(
    'CHORD_SIZE_MISMATCH',
    `chord ${chordId}: member index ${index} joined with size ${size}, ` +
      `but the chord was started with size ${storedSize}`,
  );
}

/**
 * A member's value as stored: JSON text. `undefined` (and functions or symbols, which JSON
 * cannot hold) is stored as `null`, as JSON arrays do, so every backend returns `null` for it.
 * Throws when the value cannot be serialized (a BigInt, a cycle), before anything is stored.
 */
export function encodeChordValue(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** The value a member stored with `encodeChordValue`. */
export function decodeChordValue(json: string): unknown {
  return JSON.parse(json);
}

/** The JSON a succeeded member stores; undefined for a failure, which stores no value. */
export function encodeOutcome(outcome: ChordMemberOutcome): string | undefined {
  return outcome.ok ? encodeChordValue(outcome.value) : undefined;
}

/** The answer for the member that failed the chord first. */
export function failedJoin(index: number, outcome: ChordMemberOutcome & { ok: false }): ChordJoin {
  return { kind: 'failed', index, taskId: outcome.taskId, error: outcome.error };
}

/** A chord's lifetime in whole ms; 0 (never expires) for 0, a negative or a non-finite ttl. */
export function chordTtl(ttlMs: number): number {
  return ttlMs > 0 && Number.isFinite(ttlMs) ? Math.ceil(ttlMs) : 0;
}

/** Epoch ms at which a chord updated at `now` expires, or null when it never does. */
export function chordExpiry(now: number, ttlMs: number): number | null {
  const ttl = chordTtl(ttlMs);
  return ttl > 0 ? now + ttl : null;
}
