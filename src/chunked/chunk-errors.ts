import { CeleriacError } from '../errors/errors.ts';

/** A chunk handler returned something the run cannot advance with; that run fails (and retries). */
export class BadChunkResult extends CeleriacError {
  constructor(taskName: string, step: number, detail: string) {
    super('BAD_CHUNK_RESULT', `chunked task "${taskName}" step ${step}: ${detail}`);
  }
}

/** The app's result backend cannot store chunk progress, so chunked tasks cannot run on it. */
export class NoProgressStore extends CeleriacError {
  /** `subject`: what needed the progress, e.g. `chunked task "mail.users"`. */
  constructor(subject: string, backendName: string | undefined) {
    const why =
      backendName === undefined
        ? 'this app has no result backend: pass `backend` to createApp'
        : `${backendName} does not implement them`;
    super(
      'NO_PROGRESS_STORE',
      `${subject} needs a result backend that stores chunk progress ` +
        `(WorkflowStore.readProgress and commitProgress); ${why}`,
    );
  }
}

/** `start()` was called with a bad position or range. */
export class BadChunkedRun extends CeleriacError {
  constructor(taskName: string, detail: string) {
    super('BAD_CHUNKED_RUN', `chunked task "${taskName}": ${detail}`);
  }
}

/** A chunked run was not done within the time `wait()` allowed. */
export class ChunkedRunTimeout extends CeleriacError {
  constructor(taskName: string, runId: string, timeoutMs: number) {
    super(
      'CHUNKED_RUN_TIMEOUT',
      `chunked task "${taskName}" run ${runId} not done within ${timeoutMs} ms`,
    );
  }
}
