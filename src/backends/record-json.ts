import type { TaskResultRecord, TaskState } from './backend.ts';

/**
 * A result record as stored: `value` and `error` as JSON text, or null when absent. Null
 * (absent) and the text 'null' (a null value) are distinct, so `undefined` and `null` both
 * round-trip.
 */
export interface EncodedRecord {
  id: string;
  task: string;
  state: string;
  value: string | null;
  error: string | null;
  retries: number;
  updatedAt: number;
}

/** Encodes a record for storage; throws when the value cannot be serialized as JSON. */
export function encodeRecord(record: TaskResultRecord): EncodedRecord {
  return {
    id: record.id,
    task: record.task,
    state: record.state,
    value: toJson(record.value),
    error: toJson(record.error),
    retries: record.retries,
    updatedAt: record.updatedAt,
  };
}

/** Decodes a stored record; absent `value` and `error` are left out of the result. */
export function decodeRecord(encoded: EncodedRecord): TaskResultRecord {
  const record: TaskResultRecord = {
    id: encoded.id,
    task: encoded.task,
    state: encoded.state as TaskState,
    retries: encoded.retries,
    updatedAt: encoded.updatedAt,
  };
  if (encoded.value !== null) record.value = JSON.parse(encoded.value);
  if (encoded.error !== null) record.error = JSON.parse(encoded.error);
  return record;
}

function toJson(value: unknown): string | null {
  if (value === undefined) return null;
  // JSON.stringify returns undefined for functions and symbols: store those as absent too.
  return JSON.stringify(value) ?? null;
}
