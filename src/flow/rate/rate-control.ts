import type { Coordination } from '../../brokers/contract/index.ts';
import type { RateOverride, RateStore } from '../../brokers/contract/rate-store.ts';
import { CeleriacError } from '../../errors/errors.ts';
import type { TaskRegistry } from '../../task/registry.ts';
import { formatRate, parseRate } from './parse-rate.ts';
import { parseRateOption } from './rate-option.ts';

/** A rate given at runtime that does not parse. */
export class InvalidRate extends CeleriacError {
  constructor(task: string, detail: string) {
    super('INVALID_RATE', `invalid rate limit for task "${task}": ${detail}`);
  }
}

/** A runtime rate change for a task that has no `rateLimit` in its code. */
export class NotRateLimited extends CeleriacError {
  constructor(task: string) {
    super(
      'NOT_RATE_LIMITED',
      `task "${task}" has no rateLimit option: runtime changes apply to rate-limited tasks only`,
    );
  }
}

/** What runtime rate changes need of the app. */
export interface RateControlHost {
  /** The registered tasks, whose code limits a reset returns to. */
  readonly registry: TaskRegistry;
  /** Where the runtime overrides are kept. */
  readonly coordination: Pick<Coordination, 'rates'>;
  /** The coordination as errors name it (`the broker …`). */
  readonly coordinationLabel: string;
}

/** What a runtime change did, for the CLI to print. */
export interface RateChange {
  /** The task whose limit changed. */
  task: string;
  /** `'10/s'`, `'off'`, or the code's own rate after a reset. */
  now: string;
  /** True when the change was a reset to the code's rate. */
  reset: boolean;
}

/**
 * Changes a rate-limited task's limit for the whole cluster: a rate (`'10/s'`; the task's burst
 * is kept), `'off'` (no limit) or `'reset'` (back to the code's). Every worker's next booking
 * reads it; starts booked before keep their times (at most the horizon ahead).
 */
export async function setRateLimit(
  app: RateControlHost,
  taskName: string,
  value: string,
): Promise<RateChange> {
  const task = app.registry.get(taskName);
  const option = task.options.rateLimit;
  if (option === undefined) throw new NotRateLimited(taskName);
  const code = parseRateOption(option, `tasks['${taskName}'].rateLimit`).limit;
  let override: RateOverride | null;
  if (value === 'reset') override = null;
  else if (value === 'off') override = 'off';
  else override = { ...parseRuntimeRate(taskName, value), burst: code.burst ?? 1 };
  await storeOf(app).setOverride(taskName, override);
  const now =
    override === null ? formatRate(code) : override === 'off' ? 'off' : formatRate(override);
  return { task: taskName, now, reset: override === null };
}

/** The runtime overrides in the broker, as text by task name (`'10/s'`, `'off'`). */
export async function listRateLimits(app: RateControlHost): Promise<Map<string, string>> {
  const overrides = await storeOf(app).overrides();
  return new Map(
    [...overrides].map(([task, o]) => [task, o === 'off' ? 'off' : formatRate(o)] as const),
  );
}

function parseRuntimeRate(task: string, value: string) {
  try {
    return parseRate(value);
  } catch (error) {
    throw new InvalidRate(task, `${(error as Error).message}, "off" or "reset"`);
  }
}

function storeOf(app: RateControlHost): RateStore {
  const store = app.coordination.rates;
  if (!store) {
    throw new CeleriacError('NO_RATE_STORE', `${app.coordinationLabel} keeps no rate limits`);
  }
  return store;
}
