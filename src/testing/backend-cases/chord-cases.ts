import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ResultBackend, StoredError } from '../../backends/backend.ts';
import type { ChordStore } from '../../backends/chord-rules.ts';
import type { ChordJoin, ChordMemberOutcome } from '../../backends/workflow-store.ts';
import { CeleriacError } from '../../errors/errors.ts';
import { sleep } from '../../time/sleep.ts';

/** Long enough that no chord joined with it expires during a test. */
const LONG_TTL = 60_000;
/** Short enough to watch a chord expire, long enough that it outlives the first checks. */
const SHORT_TTL = 1_000;
/** How long the expiry test waits for the chord to go before it gives up. */
const EXPIRY_DEADLINE_MS = 15_000;

const ERROR: StoredError = { name: 'Error', message: 'member failed', code: 'E_MEMBER' };

function succeeded(value: unknown): ChordMemberOutcome {
  return { ok: true, value };
}

function failed(taskId: string): ChordMemberOutcome {
  return { ok: false, taskId, error: ERROR };
}

/** A chord id no other test (or other run on a shared server) uses. */
function freshChord(): string {
  return `chord-conformance-${randomUUID()}`;
}

/** The backend as a chord store; every built-in backend is one, so a missing method fails. */
function storeOf(backend: ResultBackend): ChordStore {
  const candidate = backend as Partial<ChordStore>;
  if (typeof candidate.joinChord !== 'function' || typeof candidate.forgetChord !== 'function') {
    throw new Error('this backend does not implement joinChord and forgetChord (WorkflowStore)');
  }
  return backend as unknown as ChordStore;
}

/** Joins members `indexes` of a chord one after another, returning every answer in order. */
async function joinInSequence(
  store: ChordStore,
  chordId: string,
  size: number,
  indexes: number[],
  valueAt: (index: number) => unknown,
): Promise<ChordJoin[]> {
  const answers: ChordJoin[] = [];
  for (const index of indexes) {
    answers.push(await store.joinChord(chordId, size, index, succeeded(valueAt(index)), LONG_TTL));
  }
  return answers;
}

/** The indexes 0..size-1 in a fixed but scrambled order (a stride coprime with size). */
function scrambled(size: number): number[] {
  const stride = 7;
  return Array.from({ length: size }, (_, i) => (i * stride + 3) % size);
}

/** Registers the conformance tests of `joinChord` and `forgetChord`. */
export function registerChordTests(getBackend: () => ResultBackend): void {
  registerCompletionTests(getBackend);
  registerFailureTests(getBackend);
  registerValidationTests(getBackend);
  registerLifetimeTests(getBackend);
}

function registerCompletionTests(getBackend: () => ResultBackend): void {
  it('chord: the last member to join gets complete with the values in member order', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const answers = await joinInSequence(store, chordId, 3, [0, 1, 2], (i) => `v${i}`);
    expect(answers).toEqual([
      { kind: 'wait' },
      { kind: 'wait' },
      { kind: 'complete', values: ['v0', 'v1', 'v2'] },
    ]);
  });

  it('chord: members finishing out of order still get values in member order', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const values = [{ sum: 3, items: [1, 'two', null] }, null, 'text', 0, false, [1, 2]];
    const order = [4, 1, 5, 0, 3, 2];
    const answers = await joinInSequence(store, chordId, values.length, order, (i) => values[i]);
    expect(answers.slice(0, -1).every((answer) => answer.kind === 'wait')).toBe(true);
    expect(answers.at(-1)).toStrictEqual({ kind: 'complete', values });
  });

  it('chord: an undefined member value comes back as null', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const answers = await joinInSequence(store, chordId, 2, [1, 0], () => undefined);
    expect(answers.at(-1)).toStrictEqual({ kind: 'complete', values: [null, null] });
  });

  it('chord: a chord of one member completes at once', async () => {
    const store = storeOf(getBackend());
    const answer = await store.joinChord(freshChord(), 1, 0, succeeded({ only: true }), LONG_TTL);
    expect(answer).toStrictEqual({ kind: 'complete', values: [{ only: true }] });
  });

  it('chord: exactly one of 1,000 members joining concurrently gets complete', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const size = 1_000;
    const answers = await Promise.all(
      scrambled(size).map((index) =>
        store.joinChord(chordId, size, index, succeeded({ index }), LONG_TTL),
      ),
    );
    const completes = answers.filter((answer) => answer.kind === 'complete');
    expect(completes).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind === 'wait')).toHaveLength(size - 1);
    const expected = Array.from({ length: size }, (_, index) => ({ index }));
    expect(completes[0]).toStrictEqual({ kind: 'complete', values: expected });
  });

  it('chord: a member delivered twice is counted once and its second call waits', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    expect(await store.joinChord(chordId, 2, 0, succeeded('first'), LONG_TTL)).toEqual({
      kind: 'wait',
    });
    // Counted twice, member 0 would complete this chord of two.
    expect(await store.joinChord(chordId, 2, 0, succeeded('again'), LONG_TTL)).toEqual({
      kind: 'wait',
    });
    expect(await store.joinChord(chordId, 2, 1, succeeded('second'), LONG_TTL)).toStrictEqual({
      kind: 'complete',
      values: ['first', 'second'],
    });
    // A redelivery after the chord completed must not complete it again.
    expect(await store.joinChord(chordId, 2, 1, succeeded('second'), LONG_TTL)).toEqual({
      kind: 'wait',
    });
  });
}

function registerFailureTests(getBackend: () => ResultBackend): void {
  it('chord: the first failure gets failed, every later call waits', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const join = (index: number, outcome: ChordMemberOutcome) =>
      store.joinChord(chordId, 3, index, outcome, LONG_TTL);
    expect(await join(0, succeeded('a'))).toEqual({ kind: 'wait' });
    expect(await join(1, failed('task-1'))).toStrictEqual({
      kind: 'failed',
      index: 1,
      taskId: 'task-1',
      error: ERROR,
    });
    // Every member has now reported; none of them may complete the chord.
    expect(await join(2, succeeded('c'))).toEqual({ kind: 'wait' });
    expect(await join(1, failed('task-1'))).toEqual({ kind: 'wait' });
    expect(await join(2, failed('task-2'))).toEqual({ kind: 'wait' });
    expect(await join(0, succeeded('a'))).toEqual({ kind: 'wait' });
  });

  it('chord: of members failing concurrently exactly one gets failed, none complete', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const size = 200;
    const answers = await Promise.all(
      scrambled(size).map((index) => {
        const outcome = index % 10 === 0 ? failed(`task-${index}`) : succeeded(index);
        return store.joinChord(chordId, size, index, outcome, LONG_TTL);
      }),
    );
    const failures = answers.filter((answer) => answer.kind === 'failed');
    expect(failures).toHaveLength(1);
    expect(answers.some((answer) => answer.kind === 'complete')).toBe(false);
    const failure = failures[0] as Extract<ChordJoin, { kind: 'failed' }>;
    expect(failure.index % 10).toBe(0);
    expect(failure.taskId).toBe(`task-${failure.index}`);
  });
}

function registerValidationTests(getBackend: () => ResultBackend): void {
  it.each([
    [0, 0, 'size must be a positive integer, got 0 (member index 0)'],
    [-2, 0, 'size must be a positive integer, got -2 (member index 0)'],
    [1.5, 0, 'size must be a positive integer, got 1.5 (member index 0)'],
    [Number.NaN, 0, 'size must be a positive integer, got NaN (member index 0)'],
    [3, 3, 'member index 3 is not an integer from 0 to 2 (size 3)'],
    [3, -1, 'member index -1 is not an integer from 0 to 2 (size 3)'],
    [3, 0.5, 'member index 0.5 is not an integer from 0 to 2 (size 3)'],
  ])('chord: rejects size %s with index %s', async (size, index, detail) => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    const joining = store.joinChord(chordId, size, index, succeeded(1), LONG_TTL);
    await expect(joining).rejects.toBeInstanceOf(CeleriacError);
    await expect(joining).rejects.toThrow(`chord ${chordId}: ${detail}`);
    await expect(joining).rejects.toMatchObject({ code: 'CHORD_INVALID' });
  });

  it('chord: rejects a member naming another size than the chord started with', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    await store.joinChord(chordId, 3, 0, succeeded(1), LONG_TTL);
    const joining = store.joinChord(chordId, 4, 1, succeeded(2), LONG_TTL);
    await expect(joining).rejects.toThrow(
      `chord ${chordId}: member index 1 joined with size 4, but the chord was started with size 3`,
    );
    await expect(joining).rejects.toMatchObject({ code: 'CHORD_SIZE_MISMATCH' });
    // The rejected call counted nothing: the chord still needs members 1 and 2.
    const answers = await joinInSequence(store, chordId, 3, [1, 2], (i) => i);
    expect(answers.at(-1)).toStrictEqual({ kind: 'complete', values: [1, 1, 2] });
  });

  it('chord: a value JSON cannot hold is rejected before anything is counted', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    await expect(store.joinChord(chordId, 1, 0, succeeded(10n), LONG_TTL)).rejects.toThrow();
    expect(await store.joinChord(chordId, 1, 0, succeeded(10), LONG_TTL)).toStrictEqual({
      kind: 'complete',
      values: [10],
    });
  });
}

function registerLifetimeTests(getBackend: () => ResultBackend): void {
  it('chord: forgetChord deletes the counted members and values', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    await joinInSequence(store, chordId, 2, [0], () => 'old');
    await store.forgetChord(chordId);
    // Member 0 is no longer counted, so member 1 alone cannot complete the chord.
    expect(await joinInSequence(store, chordId, 2, [1, 0], () => 'new')).toEqual([
      { kind: 'wait' },
      { kind: 'complete', values: ['new', 'new'] },
    ]);
    // Forgetting a settled chord lets the same id start afresh, even with another size.
    await store.forgetChord(chordId);
    const answers = await joinInSequence(store, chordId, 1, [0], () => 'again');
    expect(answers).toEqual([{ kind: 'complete', values: ['again'] }]);
  });

  it('chord: forgetChord of an unknown chord does not fail', async () => {
    await expect(storeOf(getBackend()).forgetChord(freshChord())).resolves.toBeUndefined();
  });

  it('chord: its state expires ttlMs after the last update', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    expect(await store.joinChord(chordId, 2, 0, succeeded('a'), SHORT_TTL)).toEqual({
      kind: 'wait',
    });
    // A failure of a counted member changes nothing and answers wait while the chord lives;
    // once it has expired the same call starts a new chord and is its first failure.
    const probe = () => store.joinChord(chordId, 2, 0, failed('probe'), SHORT_TTL);
    expect(await probe()).toEqual({ kind: 'wait' });
    const deadline = Date.now() + EXPIRY_DEADLINE_MS;
    let answer = await probe();
    while (answer.kind === 'wait' && Date.now() < deadline) {
      await sleep(50);
      answer = await probe();
    }
    expect(answer).toMatchObject({ kind: 'failed', index: 0, taskId: 'probe' });
  });

  it('chord: a chord joined with ttlMs 0 does not expire', async () => {
    const store = storeOf(getBackend());
    const chordId = freshChord();
    await store.joinChord(chordId, 2, 0, succeeded('kept'), 0);
    await sleep(250);
    expect(await store.joinChord(chordId, 2, 1, succeeded('last'), 0)).toStrictEqual({
      kind: 'complete',
      values: ['kept', 'last'],
    });
    await store.forgetChord(chordId);
  });
}
