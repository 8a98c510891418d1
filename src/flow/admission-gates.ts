import type { App } from '../app/app.ts';
import type { LeaseKeeper } from '../worker/lease-keeper.ts';
import type { AdmissionGate } from './admission.ts';
import { createRateGate } from './rate/rate-gate.ts';
import { createSlotGate } from './slots/slot-gate.ts';
import { uniqueGate } from './unique/unique-gate.ts';

/** What a worker gives its gates. */
export interface GateContext {
  app: App;
  leases: LeaseKeeper;
  /** The worker's lease length: slots held by running tasks are renewed with it. */
  leaseMs: number;
}

/** The flow-control gates of a worker, in the order a delivery passes them. */
export function createAdmissionGates(context: GateContext): AdmissionGate[] {
  // Slots first: a lock or slot can be given back when a later gate defers; a rate booking
  // cannot. Unique last: it frees a 'queued' claim, right only once no gate defers the task.
  return [
    createSlotGate(context),
    createRateGate(context.app),
    uniqueGate(context.app.coordination),
  ];
}
