import type { StoredError } from './backend.ts';

/** How one chord member ended, as the chord counts it (only final outcomes are counted). */
export type ChordMemberOutcome =
  | {
      /** The member succeeded. */
      ok: true;
      /** Its return value, passed to the chord's callback. */
      value: unknown;
    }
  | {
      /** The member failed for good. */
      ok: false;
      /** The id of the task that failed. */
      taskId: string;
      /** Its failure. */
      error: StoredError;
    };

/** What the member that just finished must do next. */
export type ChordJoin =
  /** Other members are still running, this member was counted before, or the chord failed earlier. */
  | {
      /** Nothing to do now. */
      kind: 'wait';
    }
  /** This member completed the chord: send the callback with every member's value, in member order. */
  | {
      /** Send the callback. */
      kind: 'complete';
      /** Every member's value, in member order. */
      values: unknown[];
    }
  /** This member is the chord's first failure: run the chord's error callback. */
  | {
      /** Run the chord's error callback. */
      kind: 'failed';
      /** The failed member's position in the chord, 0-based. */
      index: number;
      /** The id of the task that failed. */
      taskId: string;
      /** Its failure. */
      error: StoredError;
    };

/** Where a chunked task's progress is kept between its runs. */
export interface ChunkProgress {
  /** Chunks committed so far; the run for chunk `step` may commit next. */
  step: number;
  /** Where the next chunk starts: the last id processed, or an ISO time. */
  cursor: number | string | null;
  /** Items processed so far, over all committed chunks. */
  processed: number;
  /** True once the source is exhausted. */
  done: boolean;
  /** Epoch ms of the last commit. */
  updatedAt: number;
}

/**
 * Atomic joins a workflow needs from the result backend. A backend that lacks them cannot run
 * chords or chunked tasks; the app says so when one is sent.
 */
export interface WorkflowStore {
  /**
   * Counts member `index` (0-based) of chord `chordId`, which has `size` members, exactly
   * once: a member delivered twice is counted once and its second call answers `wait`. Atomic
   * across processes: of all members, exactly one gets `complete` (when none failed), or
   * exactly one gets `failed` (the first failure; the callback then never runs). The chord's
   * state expires `ttlMs` after its last update (never when 0).
   */
  joinChord(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    ttlMs: number,
  ): Promise<ChordJoin>;
  /** Deletes a chord's state (its members' values and counter). */
  forgetChord(chordId: string): Promise<void>;
  /** The progress stored under `key`, or undefined when none was committed. */
  readProgress(key: string): Promise<ChunkProgress | undefined>;
  /**
   * Stores `next` under `key` only when the stored progress is at step `fromStep` (or absent
   * and `fromStep` is 0); returns false, changing nothing, otherwise. Atomic across processes,
   * so of two runs of the same chunk only one commits.
   */
  commitProgress(
    key: string,
    fromStep: number,
    next: ChunkProgress,
    ttlMs: number,
  ): Promise<boolean>;
}

/** True when a backend implements the workflow joins. */
export function hasWorkflowStore<T extends object>(backend: T): backend is T & WorkflowStore {
  const candidate = backend as Partial<WorkflowStore>;
  return (
    typeof candidate.joinChord === 'function' &&
    typeof candidate.forgetChord === 'function' &&
    typeof candidate.readProgress === 'function' &&
    typeof candidate.commitProgress === 'function'
  );
}
