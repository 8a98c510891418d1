import type { Logger } from 'pino';
import { quoteValue } from '../envelope/quote-value.ts';
import type { AttemptRunner } from '../executors/attempt-runner.ts';
import type { Executor } from '../executors/executor.ts';

/** `--autoscale max,min`: the pool grows to `max` slots with a backlog and shrinks to `min` idle. */
export interface AutoscaleOptions {
  /** Most slots: the pool grows up to this while every slot is busy and messages wait. */
  max: number;
  /** Fewest slots, at least 1: the pool starts with this many and shrinks back to it. */
  min: number;
  /** How often the pool is checked (default 1 s). */
  intervalMs?: number;
  /** Checks a slot must stay unused before it is removed (default 10). */
  idleChecks?: number;
}

/** What the autoscaler reads of the worker. */
export interface AutoscaleTarget {
  executor: Executor;
  runner: AttemptRunner;
  /** Whether the last reserve came back full: more messages are waiting. */
  backlogged(): boolean;
  /** Called after each resize, so the reserve loop sees new slots at once. */
  resized(): void;
  log: Logger;
}

/** Parses `max,min` (Celery's order); throws a RangeError saying what is wrong. */
export function parseAutoscale(value: string): AutoscaleOptions {
  const match = /^(\d+),(\d+)$/.exec(value.trim());
  if (!match) throw new RangeError(`expected max,min such as 10,3, got ${quoteValue(value)}`);
  const [max, min] = [Number(match[1]), Number(match[2])];
  checkAutoscale({ max, min });
  return { max, min };
}

/** Throws a RangeError unless 1 ≤ min ≤ max. */
export function checkAutoscale({ max, min }: AutoscaleOptions): void {
  // Safe integers: past 2^53 the number read is not the one written.
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 1 || max < min)
    throw new RangeError(`autoscale needs 1 ≤ min ≤ max, got max ${max}, min ${min}`);
}

/**
 * Grows the pool while every slot is busy and messages wait (by half again, up to `max`), and
 * shrinks it by the slots that stayed unused for `idleChecks` checks in a row (down to `min`).
 */
export class Autoscaler {
  readonly #options: Required<AutoscaleOptions>;
  #timer: NodeJS.Timeout | undefined;
  /** Fewest unused slots seen in each of the recent checks. */
  #unused: number[] = [];

  constructor(
    options: AutoscaleOptions,
    private readonly target: AutoscaleTarget,
  ) {
    checkAutoscale(options);
    this.#options = { intervalMs: 1000, idleChecks: 10, ...options };
  }

  /** Starts checking. */
  start(): void {
    this.#timer ??= setInterval(() => this.check(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops checking. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One check: grow, shrink or leave the pool as it is. */
  check(): void {
    const { executor } = this.target;
    const size = executor.size;
    const unused = Math.max(0, size - executor.active);
    if (unused === 0 && this.target.backlogged() && size < this.#options.max) {
      this.#unused = [];
      this.#resize(Math.min(this.#options.max, size + Math.ceil(size / 2)), 'backlog');
      return;
    }
    this.#unused.push(unused);
    if (this.#unused.length > this.#options.idleChecks) this.#unused.shift();
    if (this.#unused.length < this.#options.idleChecks) return;
    const spare = Math.min(...this.#unused);
    if (spare > 0 && size > this.#options.min) {
      this.#unused = [];
      this.#resize(Math.max(this.#options.min, size - spare), 'idle');
    }
  }

  #resize(size: number, why: string): void {
    const before = this.target.executor.size;
    this.target.runner.resize?.(size);
    this.target.executor.resize?.(size);
    this.target.resized();
    this.target.log.info({ from: before, to: size }, `autoscale: ${why}`);
  }
}
