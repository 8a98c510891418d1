import type { App } from '../app/app.ts';
import type { LeaseKeeper } from '../worker/lease-keeper.ts';
import type { AdmissionGate } from './admission.ts';
import { createRateGate } from './rate/rate-gate.ts';

/** What a worker gives its gates. */
export interface GateContext {
  app: App;
  leases: LeaseKeeper;
  /** The worker's lease length: slots held by running tasks are renewed with it. */
  leaseMs: number;
}

/** The flow-control gates of a worker, in the order a delivery passes them. */
export function createAdmissionGates(_context: GateContext): AdmissionGate[] {
  return [createRateGate(_context.app)];
}
