import { describe, expect, it } from 'vitest';
import { readBatchReport } from '../../../src/batching/batch-report.ts';
import { BatchResultInvalid } from '../../../src/index.ts';

const ids = ['a', 'b', 'c'];
const read = (value: unknown) => readBatchReport('idx', value, ids);

describe('readBatchReport', () => {
  it('reads nothing as every item succeeding without a value', () => {
    expect(read(undefined)).toEqual({ results: [], failures: new Map() });
    expect(read({})).toEqual({ results: [], failures: new Map() });
  });

  it('reads results in item order and failures by id', () => {
    const error = new Error('mapping conflict');
    const report = read({ results: [1, 2, 3], failed: [{ id: 'b', error }, { id: 'c' }] });
    expect(report.results).toEqual([1, 2, 3]);
    expect(report.failures.get('b')).toBe(error);
    expect(report.failures.get('c')?.message).toBe('item failed in its batch');
    expect(report.failures.has('a')).toBe(false);
  });

  it.each([
    [
      { failed: [{ id: 'z', error: 'x' }] },
      'batch handler of "idx" reported a failure for id "z", which is not in the batch',
    ],
    [
      { results: [1] },
      'batch handler of "idx" returned 1 results for a batch of 3; results[i] must belong to items[i]',
    ],
    [{ results: 'x' }, 'batch handler of "idx" returned results as a string; expected an array'],
    [{ failed: {} }, 'batch handler of "idx" returned failed as an object; expected an array'],
    [
      { failed: [{ error: 'x' }] },
      'batch handler of "idx" returned a failed entry without a string id',
    ],
    [
      [1, 2, 3],
      'batch handler of "idx" returned an array; expected nothing or { results?, failed? }',
    ],
    [42, 'batch handler of "idx" returned a number; expected nothing or { results?, failed? }'],
  ])('rejects %j', (value, message) => {
    expect(() => read(value)).toThrow(BatchResultInvalid);
    expect(() => read(value)).toThrow(message);
  });
});
