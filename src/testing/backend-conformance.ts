import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultBackend, StoredError, TaskResultRecord } from '../backends/backend.ts';
import { sleep } from '../time/sleep.ts';
import { registerChordTests } from './backend-cases/chord-cases.ts';
import { registerProgressTests } from './backend-cases/progress-cases.ts';

/** Long enough that nothing stored with it expires during a test. */
const LONG_TTL = 60_000;

/** A wait long enough that returning at all proves something other than the timeout ended it. */
const LONG_WAIT = 60_000;

function makeRecord(overrides: Partial<TaskResultRecord> = {}): TaskResultRecord {
  return {
    id: randomUUID(),
    task: 'conformance.task',
    state: 'SUCCESS',
    retries: 0,
    updatedAt: Date.now(),
    ...overrides,
  };
}

/** Runs `fn` after `ms` without awaiting it, the way another worker would write a result. */
function later(ms: number, fn: () => Promise<void>): Promise<void> {
  return sleep(ms).then(fn);
}

const SAMPLE_ERROR: StoredError = {
  name: 'TypeError',
  message: 'cannot read "x" of undefined',
  code: 'E_SAMPLE',
  stack: 'TypeError: cannot read "x" of undefined\n    at handler (task.ts:1:1)',
};

/**
 * Registers the tests every `ResultBackend` must pass. `makeBackend` is called before each
 * test; the suite connects it and closes it afterwards.
 */
export function backendConformance(
  name: string,
  makeBackend: () => Promise<ResultBackend> | ResultBackend,
): void {
  describe(`${name} result backend conformance`, () => {
    let backend: ResultBackend;

    beforeEach(async () => {
      backend = await makeBackend();
      await backend.connect();
    });

    afterEach(async () => {
      await backend.close();
    });

    registerStorageTests(() => backend);
    registerExpiryTests(() => backend);
    registerWaitTests(() => backend);
    registerChordTests(() => backend);
    registerProgressTests(() => backend);
  });
}

function registerStorageTests(current: () => ResultBackend): void {
  it('returns undefined for an unknown id', async () => {
    expect(await current().get(randomUUID())).toBeUndefined();
  });

  it.each([
    ['an object', { sum: 3, items: [1, 'two', null, { deep: true }] }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'done'],
    ['zero', 0],
    ['false', false],
  ])('round-trips a SUCCESS record whose value is %s', async (_label, value) => {
    const record = makeRecord({ value });
    await current().set(record, LONG_TTL);
    const stored = await current().get(record.id);
    expect(stored).toEqual(record);
    expect(stored?.value).toStrictEqual(value);
  });

  it('round-trips a FAILURE record with every StoredError field', async () => {
    const record = makeRecord({ state: 'FAILURE', error: SAMPLE_ERROR, retries: 3 });
    await current().set(record, LONG_TTL);
    const stored = await current().get(record.id);
    expect(stored).toEqual(record);
    expect(stored?.error).toEqual(SAMPLE_ERROR);
    expect(stored?.value).toBeUndefined();
  });

  it('keeps only the latest record as the state moves STARTED → RETRY → SUCCESS', async () => {
    const id = randomUUID();
    const backend = current();
    await backend.set(makeRecord({ id, state: 'STARTED' }), LONG_TTL);
    await backend.set(
      makeRecord({ id, state: 'RETRY', error: SAMPLE_ERROR, retries: 1 }),
      LONG_TTL,
    );
    expect((await backend.get(id))?.state).toBe('RETRY');
    const final = makeRecord({ id, state: 'SUCCESS', value: { ok: true }, retries: 1 });
    await backend.set(final, LONG_TTL);
    const stored = await backend.get(id);
    expect(stored).toEqual(final);
    // The SUCCESS record replaces the RETRY one rather than merging into it.
    expect(stored?.error).toBeUndefined();
  });

  it('forgets a record', async () => {
    const record = makeRecord({ value: 1 });
    await current().set(record, LONG_TTL);
    await current().forget(record.id);
    expect(await current().get(record.id)).toBeUndefined();
  });

  it('forgets an unknown id without failing', async () => {
    await expect(current().forget(randomUUID())).resolves.toBeUndefined();
  });
}

function registerExpiryTests(current: () => ResultBackend): void {
  it('hides a record once its TTL has passed', async () => {
    const shortLived = makeRecord({ value: 'short' });
    const longLived = makeRecord({ value: 'long' });
    await current().set(shortLived, 100);
    await current().set(longLived, LONG_TTL);
    await sleep(250);
    expect(await current().get(shortLived.id)).toBeUndefined();
    expect(await current().get(longLived.id)).toEqual(longLived);
  });

  it('never expires a record stored with ttlMs 0', async () => {
    const record = makeRecord({ value: 'forever' });
    await current().set(record, 0);
    await sleep(250);
    expect(await current().get(record.id)).toEqual(record);
  });
}

function registerWaitTests(current: () => ResultBackend): void {
  it('wait returns a record that is already ready', async () => {
    const record = makeRecord({ value: 'ready' });
    await current().set(record, LONG_TTL);
    expect(await current().wait(record.id, LONG_WAIT)).toEqual(record);
  });

  it('wait resolves with the record when SUCCESS is stored later', async () => {
    const record = makeRecord({ value: { answer: 42 } });
    const writing = later(50, () => current().set(record, LONG_TTL));
    const result = await current().wait(record.id, LONG_WAIT);
    await writing;
    expect(result).toEqual(record);
  });

  it('wait resolves with a FAILURE record', async () => {
    const record = makeRecord({ state: 'FAILURE', error: SAMPLE_ERROR });
    const writing = later(50, () => current().set(record, LONG_TTL));
    const result = await current().wait(record.id, LONG_WAIT);
    await writing;
    expect(result).toEqual(record);
  });

  it('wait returns undefined after the timeout when nothing is stored', async () => {
    expect(await current().wait(randomUUID(), 100)).toBeUndefined();
  });

  it('wait ignores states that are not ready', async () => {
    const id = randomUUID();
    const final = makeRecord({ id, state: 'SUCCESS', value: 'after retry', retries: 1 });
    const writing = later(30, async () => {
      await current().set(makeRecord({ id, state: 'STARTED' }), LONG_TTL);
      await current().set(makeRecord({ id, state: 'RETRY', error: SAMPLE_ERROR }), LONG_TTL);
      await sleep(50);
      await current().set(final, LONG_TTL);
    });
    const result = await current().wait(id, LONG_WAIT);
    await writing;
    expect(result).toEqual(final);
  });

  it('wait returns undefined when its signal aborts', { timeout: 15_000 }, async () => {
    const controller = new AbortController();
    const aborting = later(50, async () => controller.abort());
    const result = await current().wait(randomUUID(), LONG_WAIT, controller.signal);
    await aborting;
    expect(result).toBeUndefined();
  });

  it('wait returns undefined when its signal is already aborted', { timeout: 15_000 }, async () => {
    const record = makeRecord({ state: 'STARTED' });
    await current().set(record, LONG_TTL);
    expect(await current().wait(record.id, LONG_WAIT, AbortSignal.abort())).toBeUndefined();
  });
}
