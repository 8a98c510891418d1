import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { App } from '../app/app.ts';
import type { BeatStore } from '../brokers/contract/beat-store.ts';
import { DEFAULT_BEAT_GROUP, requireBeatStore } from './beat-control.ts';
import type { BeatEntry } from './beat-entry.ts';
import { WallClockWatch } from './clock-steps.ts';
import { aheadOfClock, dueTicks } from './due-ticks.ts';
import { EntrySource } from './entry-source.ts';
import { fireTick } from './fire-entry.ts';

/** How a scheduler runs. */
export interface SchedulerOptions {
  /** Where leadership, fired ticks and run-time entries live; default `app.coordination.beat`. */
  store?: BeatStore;
  /** Schedulers of one group share one leader and one set of entries; default `default`. */
  group?: string;
  /** This scheduler's name in the lease; default `host:pid:random`. */
  holder?: string;
  /** How long leadership holds without renewal; default 10 s. */
  leaseMs?: number;
  /** How often it checks leadership and due ticks; default 250 ms. */
  tickMs?: number;
  /** A tick at most this late is on time, not missed; default leaseMs + tickMs (a takeover). */
  graceMs?: number;
  /** The current time in epoch ms; injectable for tests. */
  clock?: () => number;
  /**
   * A clock that never steps (ms, any origin) to see steps of `clock` against; injectable for
   * tests. Default `performance.now` with the default clock, and `clock` itself when only
   * `clock` is given (so that clock is never seen to step).
   */
  monotonic?: () => number;
}

/** What one check did. */
export interface CheckReport {
  /** Whether this scheduler led the group after the check. */
  leading: boolean;
  /** Ticks this scheduler claimed and sent, in order. */
  fired: Array<{
    /** The entry's name. */
    entry: string;
    /** The tick's instant, in epoch ms. */
    tick: number;
    /** The id of the task the tick sent (its AsyncResult's id). */
    id: string;
  }>;
}

/**
 * Runs an app's schedule: every check it takes or renews the group's lease, and while it leads
 * it claims each due tick in the store and sends the entry's workflow only for ticks it claimed.
 * Any number may run; one leads, and a tick is sent at most once even if two overlap.
 */
export class Scheduler {
  /** The scheduler group it runs the entries of. */
  readonly group: string;
  /** Its name in the group's lease. */
  readonly holder: string;
  /** How long its leadership holds without renewal, in ms. */
  readonly leaseMs: number;
  /** How often it checks leadership and due ticks, in ms. */
  readonly tickMs: number;
  /** How late a tick may be and still count as on time, not missed, in ms. */
  readonly graceMs: number;
  private readonly store: BeatStore;
  private readonly clock: () => number;
  private readonly wall: WallClockWatch;
  /** Where this scheduler's clock last stepped: no earlier tick is on time, only missed. */
  private onTimeFrom = Number.NEGATIVE_INFINITY;
  /** Entries whose recorded tick was ahead of this clock: that tick, and when it was seen. */
  private readonly rebased = new Map<string, { stale: number; since: number }>();
  private readonly entries: EntrySource;
  private wasLeading = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CheckReport> | undefined;
  /** When this scheduler first saw each entry: where a never-fired entry's ticks start. */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly app: App,
    options: SchedulerOptions = {},
  ) {
    this.store = options.store ?? requireBeatStore(app);
    this.group = options.group ?? DEFAULT_BEAT_GROUP;
    this.holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = positive('leaseMs', options.leaseMs ?? 10_000);
    this.tickMs = positive('tickMs', options.tickMs ?? 250);
    if (this.tickMs >= this.leaseMs)
      throw new RangeError(
        `tickMs (${this.tickMs}) must be shorter than leaseMs (${this.leaseMs})`,
      );
    this.graceMs = options.graceMs ?? this.leaseMs + this.tickMs;
    this.clock = options.clock ?? Date.now;
    const monotonic = options.monotonic ?? options.clock ?? (() => performance.now());
    this.wall = new WallClockWatch(this.clock, monotonic);
    this.entries = new EntrySource(app.registry, app.beat.code, this.store, this.group, app.log);
  }

  /** True when the last check found this scheduler leading. */
  get leading(): boolean {
    return this.wasLeading;
  }

  /** Checks at once, then every tickMs until stop(). */
  async start(): Promise<void> {
    await this.app.connect();
    await this.checkLogged();
    this.timer = setInterval(() => void this.checkLogged(), this.tickMs);
  }

  /** Stops checking and gives the leadership up, so another scheduler takes over at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.store.resign(this.group, this.holder);
    if (this.wasLeading) this.app.log.info({ group: this.group }, 'beat: resigned leadership');
    this.wasLeading = false;
  }

  /** One pass: lead (or renew), then fire what is due. Overlapping calls share one pass. */
  check(): Promise<CheckReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<CheckReport> {
    this.noteClockStep();
    const leading = await this.store.lead(this.group, this.holder, this.leaseMs);
    this.noteLeadership(leading);
    // A standby reads the entries too, so it knows since when a never-fired one is due.
    const entries = await this.entries.current();
    this.noteFirstSeen(entries);
    if (!leading) return { leading, fired: [] };
    const last = await this.store.lastTicks(this.group);
    const fired: CheckReport['fired'] = [];
    for (const entry of entries) fired.push(...(await this.fireDue(entry, last.get(entry.name))));
    return { leading, fired };
  }

  private noteFirstSeen(entries: BeatEntry[]): void {
    const now = this.clock();
    for (const entry of entries)
      if (!this.firstSeen.has(entry.name)) this.firstSeen.set(entry.name, now);
  }

  /** After a step of this scheduler's wall clock, the ticks it jumped over are only missed. */
  private noteClockStep(): void {
    const { now, step } = this.wall.read();
    if (step === 0) return;
    this.onTimeFrom = now;
    this.app.log.warn({ group: this.group, stepMs: step }, 'beat: wall clock stepped');
  }

  private async fireDue(entry: BeatEntry, last: number | undefined): Promise<CheckReport['fired']> {
    const now = this.clock();
    const since = this.rebaseSince(entry, last, now);
    // A never-fired entry has no history to make up: its ticks start when it was first seen;
    // so does one rebased on this clock, from when its recorded tick was found ahead.
    const fresh = last === undefined || since !== undefined;
    const ticks = dueTicks({
      schedule: entry.schedule,
      last: since ?? last ?? this.firstSeen.get(entry.name) ?? now,
      now,
      graceMs: this.graceMs,
      onTimeFrom: this.onTimeFrom,
      catchUp: fresh ? 'skip' : entry.catchUp,
    });
    const replacing = since === undefined ? undefined : last;
    const fired: CheckReport['fired'] = [];
    for (const tick of ticks) {
      // The claim, not the lease, is what keeps a tick from being sent twice.
      if (!(await this.store.claimTick(this.group, entry.name, tick, replacing))) continue;
      const id = await fireTick(this.app, entry, tick, now);
      this.app.log.info(
        { entry: entry.name, tick: new Date(tick).toISOString(), id },
        'beat: sent',
      );
      fired.push({ entry: entry.name, tick, id });
    }
    return fired;
  }

  /**
   * When the entry's recorded tick is ahead of this clock by more than an interval (the clock
   * stepped back, or a skewed leader claimed it), the instant its ticks start again from.
   */
  private rebaseSince(entry: BeatEntry, last: number | undefined, now: number) {
    const known = this.rebased.get(entry.name);
    if (last === undefined || !aheadOfClock(entry.schedule, last, now, this.graceMs)) {
      this.rebased.delete(entry.name);
      return undefined;
    }
    if (known?.stale === last) return known.since;
    this.rebased.set(entry.name, { stale: last, since: now });
    this.app.log.warn(
      { entry: entry.name, last: new Date(last).toISOString() },
      'beat: last tick is ahead of this clock; the schedule restarts from now',
    );
    return now;
  }

  private noteLeadership(leading: boolean): void {
    if (leading === this.wasLeading) return;
    this.wasLeading = leading;
    const state = leading
      ? 'beat: leading; sending due ticks'
      : 'beat: standby; another scheduler leads';
    this.app.log.info({ group: this.group, holder: this.holder }, state);
  }

  private async checkLogged(): Promise<void> {
    try {
      await this.check();
    } catch (error) {
      // A broker hiccup: the next check retries; the lease covers a short outage.
      this.app.log.error({ err: error, group: this.group }, 'beat: check failed');
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  return value;
}
