import type { Schedule } from './schedule-spec.ts';

/** What happens to ticks that fell due while no scheduler led (downtime), when one leads again. */
export type CatchUp = 'skip' | 'once' | 'all';

/** The default policy: like Celery beat, a run missed during downtime is made up once. */
export const DEFAULT_CATCH_UP: CatchUp = 'once';

/** At most this many missed ticks fire for an entry under `all`; the latest ones. */
export const MAX_CATCH_UP_TICKS = 1000;

/** When the due ticks are computed, and what was fired before. */
export interface DueInput {
  schedule: Schedule;
  /** The last recorded tick of the entry (for a brand-new one: when it was first seen). */
  last: number;
  now: number;
  /** A tick at most this old is on time; an older one was missed. */
  graceMs: number;
  /**
   * No tick before this instant is on time, however recent: the wall clock stepped forward
   * here, so the ticks it jumped over were missed, not late (default: no such instant).
   */
  onTimeFrom?: number;
  catchUp: CatchUp;
}

/**
 * The ticks to fire now, oldest first. On-time ticks (due within the grace) always fire; missed
 * ones follow the catch-up policy: skip none, `once` the latest (only when no on-time tick
 * stands in for them), `all` each (capped).
 */
export function dueTicks(input: DueInput): number[] {
  const { schedule, last, now } = input;
  // The common case, checked several times a second: nothing due since the last tick.
  if (!((schedule.next(last) ?? Number.POSITIVE_INFINITY) <= now)) return [];
  // A floor past now would count future ticks as missed: a step back since makes it now.
  const floor = Math.min(input.onTimeFrom ?? Number.NEGATIVE_INFINITY, now);
  const edge = Math.max(now - input.graceMs, floor);
  const onTime = ticksIn(schedule, Math.max(edge - 1, last), now);
  const policy = input.catchUp;
  const wanted =
    policy === 'all' ? MAX_CATCH_UP_TICKS : policy === 'once' && onTime.length === 0 ? 1 : 0;
  const missed =
    wanted === 0 ? [] : schedule.latest(edge - 1, wanted).filter((tick) => tick > last);
  return [...missed.reverse(), ...onTime];
}

/** Ticks in (after, until], oldest first, at most MAX_CATCH_UP_TICKS. */
function ticksIn(schedule: Schedule, after: number, until: number): number[] {
  const ticks: number[] = [];
  let tick = schedule.next(after);
  while (tick !== undefined && tick <= until && ticks.length < MAX_CATCH_UP_TICKS) {
    ticks.push(tick);
    tick = schedule.next(tick);
  }
  return ticks;
}

/**
 * True when a recorded tick is too far ahead of `now` to be this clock's: a whole tick of the
 * schedule lies between the grace and it, so waiting for it would skip at least one interval.
 * Such a tick was claimed on a clock since stepped back, or on another scheduler's clock ahead
 * of this one.
 */
export function aheadOfClock(schedule: Schedule, last: number, now: number, graceMs: number) {
  return (schedule.next(now + graceMs) ?? Number.POSITIVE_INFINITY) < last;
}
