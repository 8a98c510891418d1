import type { ResultBackend } from '../backends/backend.ts';
import type { WorkflowStore } from '../backends/workflow-store.ts';
import { NoProgressStore } from './chunk-errors.ts';

/** The part of WorkflowStore a chunked task uses. */
export type ProgressStore = Pick<WorkflowStore, 'readProgress' | 'commitProgress'>;

/** What the progress helpers need of the app. */
export interface ProgressHost {
  readonly backend: ResultBackend | undefined;
  connect(): Promise<void>;
}

/**
 * The backend as a progress store, connected; NoProgressStore, naming `subject` (what needs
 * it), when it has none. Only the
 * progress methods are required: a backend need not support chords to run chunked tasks.
 */
export async function connectedProgressStore(
  host: ProgressHost,
  subject: string,
): Promise<ProgressStore> {
  const backend = host.backend as (ResultBackend & Partial<ProgressStore>) | undefined;
  if (typeof backend?.readProgress !== 'function' || typeof backend.commitProgress !== 'function') {
    throw new NoProgressStore(subject, backend?.constructor.name);
  }
  await host.connect();
  return backend as ResultBackend & ProgressStore;
}

/** The key a run's progress is stored under. */
export function progressKey(taskName: string, runId: string): string {
  return `chunked:${taskName}:${runId}`;
}

/** The task id of a run's chunk `step`: stable, so each chunk's result can be looked up. */
export function stepTaskId(runId: string, step: number): string {
  return `${runId}:${step}`;
}

/** How errors name a chunked task. */
export function chunkedSubject(taskName: string): string {
  return `chunked task "${taskName}"`;
}
