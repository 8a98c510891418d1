import { hasWorkflowStore, type WorkflowStore } from '../backends/workflow-store.ts';
import { CeleriacError } from '../errors/errors.ts';
import type { CanvasHost } from './canvas-host.ts';

/** Fails at the call when a chord cannot be joined, rather than never running its callback. */
export function requireChordStore(host: CanvasHost): WorkflowStore {
  const backend = host.backend;
  if (!backend)
    throw new CeleriacError(
      'CHORD_NEEDS_BACKEND',
      'a chord needs a result backend to count its members: pass `backend` to createApp',
    );
  if (!hasWorkflowStore(backend))
    throw new CeleriacError(
      'CHORD_NEEDS_BACKEND',
      `the result backend ${backend.constructor.name} cannot join chords (it lacks joinChord)`,
    );
  return backend;
}
