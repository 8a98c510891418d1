import type { AdmissionGate, GateContext } from './admission.ts';
import { createRateGate } from './rate/rate-gate.ts';
import { createSlotGate } from './slots/slot-gate.ts';
import { uniqueGate } from './unique/unique-gate.ts';

export type { GateContext, GateHost } from './admission.ts';

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
