import { BrokerUnavailable, CeleriacError, SqliteFileError } from '../errors/errors.ts';

/** Codes of errors that pass once a store is back: sending again later may work. */
const PASSING_CODES = new Set(['BACKEND_CLOSED']);

/**
 * The reason a workflow's next steps can never be sent, or undefined when the failure may
 * pass (a broker or store away, a driver's own error). A shape the planner refuses (a group
 * ending a chord member), a value JSON cannot carry, a payload over the limit, a chord without
 * a result backend: sending again fails the same way, so the message is dead-lettered with this
 * reason rather than run again at every lease.
 */
export function unsendableStepReason(error: unknown, task: string): string | undefined {
  if (!(error instanceof CeleriacError)) return undefined;
  if (error instanceof BrokerUnavailable || error instanceof SqliteFileError) return undefined;
  if (PASSING_CODES.has(error.code)) return undefined;
  return `the workflow steps after task "${task}" cannot be sent: ${error.message}`;
}
