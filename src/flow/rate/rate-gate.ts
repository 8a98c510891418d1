import { setTimeout as sleep } from 'node:timers/promises';
import type { RateAdmission } from '../../brokers/contract/rate-store.ts';
import type { Envelope } from '../../envelope/envelope.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import type { Admission, AdmissionGate, GateHost } from '../admission.ts';
import { holdsBooking, withBooking } from './booking-header.ts';
import { HorizonMemo } from './horizon-memo.ts';
import { parseRateOption, type RateSpec } from './rate-option.ts';

/**
 * A start admitted at most this far ahead is waited for in the worker (its slot held that long)
 * rather than sent back to the broker: it absorbs the few ms by which deliveries jitter, which
 * would otherwise send on-time messages back to book again.
 */
const START_HOLD_MS = 50;
/** A start begun later than this share of its limit's interval asks the store again. */
const LATE_SHARE = 0.5;
/** How many times one delivery asks again after beginning late, before it runs anyway. */
const LATE_ASKS = 3;

type KeyResult = { ok: true; key: string } | { ok: false; reason: string };

/**
 * The rate-limit gate: asks the broker to admit each delivery of a rate-limited task. An
 * admitted start runs (after a wait of at most START_HOLD_MS); a later one goes back to the
 * broker until its booked time carrying the booking, and asks for an actual start again when
 * it returns; one beyond the horizon goes back unbooked and asks again then.
 */
export function createRateGate(app: GateHost): AdmissionGate {
  const specs = new WeakMap<RegisteredTask, RateSpec>();
  const specOf = (task: RegisteredTask): RateSpec => {
    let spec = specs.get(task);
    if (!spec) {
      // Checked at registration already; parsed once per task here.
      spec = parseRateOption(
        task.options.rateLimit as NonNullable<typeof task.options.rateLimit>,
        `tasks['${task.name}'].rateLimit`,
      );
      specs.set(task, spec);
    }
    return spec;
  };
  const memo = new HorizonMemo();
  return {
    appliesTo: (task) => task.options.rateLimit !== undefined,
    admit: (task, envelope) => admitRateLimited(app, memo, task, specOf(task), envelope),
  };
}

async function admitRateLimited(
  app: GateHost,
  memo: HorizonMemo,
  task: RegisteredTask,
  spec: RateSpec,
  envelope: Envelope,
): Promise<Admission> {
  const booked = holdsBooking(envelope);
  const key = keyOf(task, spec, envelope);
  if (!key.ok) return { kind: 'reject', reason: key.reason };
  const known = booked ? undefined : memo.askAgainAt(task.name, key.key, Date.now());
  if (known !== undefined)
    return { kind: 'defer', until: known, reason: beyondHorizon(spec), rateLimited: true };
  const store = app.coordination.rates;
  if (!store) throw new Error(`${app.coordinationLabel} keeps no rate limits`);
  let carries = booked;
  for (let asked = 0; ; asked++) {
    const admission = await store.admit(task.name, key.key, spec.limit, {
      horizonMs: spec.horizonMs,
      holdMs: START_HOLD_MS,
      booked: carries,
    });
    if (admission.kind !== 'start')
      return deferral(app, memo, { task, spec, key: key.key }, envelope, admission);
    // The wait is measured on the store's clock and laid on this worker's: skew between the two
    // never shifts a start, only the workers' skew among themselves does (docs/rate-limits.md).
    const wait = admission.at - admission.now;
    const due = Date.now() + Math.max(0, wait);
    if (wait > 0) await sleep(Math.ceil(wait));
    if (asked >= LATE_ASKS || !startedLate(admission, due)) return { kind: 'run' };
    // It had its turn, so it asks again ahead of the queue of bookings.
    carries = true;
  }
}

/**
 * True when the start begins later than half its limit's interval after its admitted time: an
 * event loop held up (a long synchronous task, a GC pause) wakes every waiting start at once,
 * and starting them all would bunch several into one instant. The admitted start is given up
 * (the limit runs below its rate for that interval, never above) and the store asked again.
 */
function startedLate(admission: RateAdmission, due: number): boolean {
  if (admission.intervalMs === undefined) return false;
  return Date.now() - due > admission.intervalMs * LATE_SHARE;
}

/** Sends a message that found no start now back to the broker, booked or asking again later. */
function deferral(
  app: GateHost,
  memo: HorizonMemo,
  { task, spec, key }: { task: RegisteredTask; spec: RateSpec; key: string },
  envelope: Envelope,
  admission: RateAdmission,
): Admission {
  const until = Math.ceil(Date.now() + admission.at - admission.now);
  if (admission.kind === 'full') {
    memo.noteFull(task.name, key, Date.now(), until);
    return { kind: 'defer', until, reason: beyondHorizon(spec), rateLimited: true };
  }
  const body = app.encode(withBooking(envelope, until));
  return {
    kind: 'defer',
    until,
    reason: `rate limit: start booked in ${Math.ceil(admission.at - admission.now)} ms`,
    body,
    rateLimited: true,
  };
}

function beyondHorizon(spec: RateSpec): string {
  return `rate limit: no start free within ${spec.horizonMs} ms; asking again then`;
}

/** The limit's key for this message: `''` for a task-wide limit, else the key function's. */
function keyOf(task: RegisteredTask, spec: RateSpec, envelope: Envelope): KeyResult {
  if (!spec.key) return { ok: true, key: '' };
  let key: unknown;
  try {
    key = spec.key(...envelope.args);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      ok: false,
      reason: `the rateLimit key function of task "${task.name}" threw: ${text}`,
    };
  }
  if (typeof key !== 'string') {
    return {
      ok: false,
      reason: `the rateLimit key function of task "${task.name}" returned ${describe(key)}, expected a string`,
    };
  }
  return { ok: true, key };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value} (${String(value)})`;
}
