import { CeleriacError, coerceError } from '../errors/errors.ts';

/** A batch handler returned something that breaks the per-item contract; the batch fails. */
export class BatchResultInvalid extends CeleriacError {
  constructor(taskName: string, detail: string) {
    super('BATCH_RESULT_INVALID', `batch handler of "${taskName}" ${detail}`);
  }
}

/** A batch handler's return value, checked: a value per item and the items that failed. */
export interface ReadReport {
  /** `results[i]` belongs to the i-th item (undefined when the handler returned none). */
  results: unknown[];
  /** The failed items' errors, by item id. */
  failures: Map<string, Error>;
}

/**
 * Checks what a batch handler returned against the batch's ids (in item order). Throws
 * BatchResultInvalid on a shape it cannot trust, so the whole batch is retried rather than
 * acking items whose outcome is unknown.
 */
export function readBatchReport(taskName: string, value: unknown, ids: string[]): ReadReport {
  if (value === undefined || value === null) return { results: [], failures: new Map() };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BatchResultInvalid(
      taskName,
      `returned ${describe(value)}; expected nothing or { results?, failed? }`,
    );
  }
  const { results, failed } = value as { results?: unknown; failed?: unknown };
  return {
    results: readResults(taskName, results, ids.length),
    failures: readFailures(taskName, failed, ids),
  };
}

function readResults(taskName: string, results: unknown, size: number): unknown[] {
  if (results === undefined) return [];
  if (!Array.isArray(results)) {
    throw new BatchResultInvalid(
      taskName,
      `returned results as ${describe(results)}; expected an array`,
    );
  }
  if (results.length !== size) {
    throw new BatchResultInvalid(
      taskName,
      `returned ${results.length} results for a batch of ${size}; results[i] must belong to items[i]`,
    );
  }
  return results;
}

function readFailures(taskName: string, failed: unknown, ids: string[]): Map<string, Error> {
  const failures = new Map<string, Error>();
  if (failed === undefined) return failures;
  if (!Array.isArray(failed)) {
    throw new BatchResultInvalid(
      taskName,
      `returned failed as ${describe(failed)}; expected an array`,
    );
  }
  const known = new Set(ids);
  for (const entry of failed) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') {
      throw new BatchResultInvalid(taskName, 'returned a failed entry without a string id');
    }
    if (!known.has(id)) {
      throw new BatchResultInvalid(
        taskName,
        `reported a failure for id "${id}", which is not in the batch`,
      );
    }
    failures.set(
      id,
      coerceError((entry as { error?: unknown }).error ?? 'item failed in its batch'),
    );
  }
  return failures;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
