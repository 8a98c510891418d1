/**
 * A change of the wall clock against the monotonic one larger than this between two checks is a
 * step (NTP stepping, an operator's `date -s`); slewing moves it far less in that time.
 */
export const STEP_TOLERANCE_MS = 1_000;

/** The wall clock read once, and whether it stepped since the previous reading. */
export interface WallReading {
  /** The wall time, in epoch ms. */
  now: number;
  /** How far the wall clock moved beyond (or, negative, short of) the monotonic one; 0 when it did not step. */
  step: number;
}

/**
 * Sees steps of a wall clock: between two readings it should move as far as a clock that never
 * steps (`monotonic`, any origin); a difference beyond the tolerance is a step.
 */
export class WallClockWatch {
  #last: { wall: number; mono: number } | undefined;

  constructor(
    private readonly wall: () => number,
    private readonly monotonic: () => number,
  ) {}

  /** Reads both clocks and compares their moves with the previous reading's. */
  read(): WallReading {
    const wall = this.wall();
    const mono = this.monotonic();
    const last = this.#last;
    this.#last = { wall, mono };
    if (!last) return { now: wall, step: 0 };
    const drift = wall - last.wall - (mono - last.mono);
    return { now: wall, step: Math.abs(drift) > STEP_TOLERANCE_MS ? drift : 0 };
  }
}
