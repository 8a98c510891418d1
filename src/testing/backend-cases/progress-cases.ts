import { randomUUID } from 'node:crypto';
import { expect, it, type TestContext } from 'vitest';
import type { ResultBackend } from '../../backends/backend.ts';
import type { ChunkProgress, WorkflowStore } from '../../backends/workflow-store.ts';
import { sleep } from '../../time/sleep.ts';

/** Long enough that nothing committed with it expires during a test. */
const LONG_TTL = 60_000;

type ProgressStore = Pick<WorkflowStore, 'readProgress' | 'commitProgress'>;

function progressAt(step: number, overrides: Partial<ChunkProgress> = {}): ChunkProgress {
  return {
    step,
    cursor: step * 10,
    processed: step * 10,
    done: false,
    updatedAt: 1_700_000_000_000 + step,
    ...overrides,
  };
}

/** A key no other test (or other run on a shared server) uses. */
function freshKey(): string {
  return `chunked:conformance:${randomUUID()}`;
}

/**
 * The backend as a progress store; the test is skipped for a backend without one (chunked
 * tasks are optional for a backend, but the app refuses to start them on it).
 */
function storeOf(backend: ResultBackend, test: TestContext): ProgressStore {
  const candidate = backend as Partial<ProgressStore>;
  if (
    typeof candidate.readProgress !== 'function' ||
    typeof candidate.commitProgress !== 'function'
  ) {
    test.skip();
  }
  return backend as unknown as ProgressStore;
}

/** Registers the conformance tests of `readProgress` and `commitProgress`. */
export function registerProgressTests(getBackend: () => ResultBackend): void {
  it('progress: reads undefined for a key never committed', async (test) => {
    const store = storeOf(getBackend(), test);
    expect(await store.readProgress(freshKey())).toBeUndefined();
  });

  it('progress: commits from step 0 when absent and reads back every field', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    const first = progressAt(1, { cursor: null, processed: 0 });
    expect(await store.commitProgress(key, 0, first, LONG_TTL)).toBe(true);
    expect(await store.readProgress(key)).toStrictEqual(first);
    const second = progressAt(2, { cursor: '2024-01-01T02:00:00.000Z', done: true });
    expect(await store.commitProgress(key, 1, second, LONG_TTL)).toBe(true);
    expect(await store.readProgress(key)).toStrictEqual(second);
  });

  it('progress: a commit from step 0 may replace progress stored at step 0', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    expect(await store.commitProgress(key, 0, progressAt(0), LONG_TTL)).toBe(true);
    expect(await store.commitProgress(key, 0, progressAt(1), LONG_TTL)).toBe(true);
    expect((await store.readProgress(key))?.step).toBe(1);
  });

  it('progress: refuses a commit from a step other than 0 when absent', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    expect(await store.commitProgress(key, 1, progressAt(2), LONG_TTL)).toBe(false);
    expect(await store.readProgress(key)).toBeUndefined();
  });

  it('progress: a step mismatch returns false and changes nothing', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    const stored = progressAt(3);
    await store.commitProgress(key, 0, progressAt(1), LONG_TTL);
    await store.commitProgress(key, 1, progressAt(2), LONG_TTL);
    await store.commitProgress(key, 2, stored, LONG_TTL);
    for (const fromStep of [0, 2, 4]) {
      expect(await store.commitProgress(key, fromStep, progressAt(9), LONG_TTL)).toBe(false);
    }
    expect(await store.readProgress(key)).toStrictEqual(stored);
  });

  it('progress: of concurrent commits of the same step exactly one wins', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    await store.commitProgress(key, 0, progressAt(1), LONG_TTL);
    const contenders = Array.from({ length: 8 }, (_, i) =>
      progressAt(2, { processed: 100 + i, cursor: 100 + i }),
    );
    const outcomes = await Promise.all(
      contenders.map((next) => store.commitProgress(key, 1, next, LONG_TTL)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const winner = contenders[outcomes.indexOf(true)];
    expect(await store.readProgress(key)).toStrictEqual(winner);
  });

  it('progress: of concurrent first commits exactly one creates the progress', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.commitProgress(key, 0, progressAt(1, { processed: i }), LONG_TTL),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await store.readProgress(key))?.processed).toBe(outcomes.indexOf(true));
  });

  it('progress: expires ttlMs after the last commit; then it counts as absent', async (test) => {
    const store = storeOf(getBackend(), test);
    const shortLived = freshKey();
    const longLived = freshKey();
    await store.commitProgress(shortLived, 0, progressAt(1), 100);
    await store.commitProgress(shortLived, 1, progressAt(2), 100);
    await store.commitProgress(longLived, 0, progressAt(1), LONG_TTL);
    await sleep(250);
    expect(await store.readProgress(shortLived)).toBeUndefined();
    expect(await store.commitProgress(shortLived, 2, progressAt(3), LONG_TTL)).toBe(false);
    expect(await store.commitProgress(shortLived, 0, progressAt(1), LONG_TTL)).toBe(true);
    expect((await store.readProgress(shortLived))?.step).toBe(1);
    expect((await store.readProgress(longLived))?.step).toBe(1);
  });

  it('progress: never expires progress committed with ttlMs 0', async (test) => {
    const store = storeOf(getBackend(), test);
    const key = freshKey();
    await store.commitProgress(key, 0, progressAt(1), 100);
    await store.commitProgress(key, 1, progressAt(2), 0);
    await sleep(250);
    expect((await store.readProgress(key))?.step).toBe(2);
  });
}
