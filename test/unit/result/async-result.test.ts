import { describe, expect, it } from 'vitest';
import {
  AsyncResult,
  MemoryBackend,
  NoResultBackend,
  ResultTimeout,
  TaskFailed,
  type TaskResultRecord,
} from '../../../src/index.ts';
import { memoryResultSource, type ResultSource } from '../../../src/result/async-result.ts';

function source(backend: MemoryBackend): ResultSource {
  return {
    get: (id) => backend.get(id),
    wait: (id, ms) => backend.wait(id, ms),
    forget: (id) => backend.forget(id),
  };
}

const record = (
  state: TaskResultRecord['state'],
  extra: Partial<TaskResultRecord> = {},
): TaskResultRecord => ({
  id: 'id-1',
  task: 'add',
  state,
  retries: 0,
  updatedAt: 1,
  ...extra,
});

describe('AsyncResult', () => {
  it('is PENDING until something is stored', async () => {
    const result = new AsyncResult('id-1', source(new MemoryBackend()));
    expect(await result.state()).toBe('PENDING');
    expect(await result.info()).toBeUndefined();
    expect(await result.ready()).toBe(false);
  });

  it('is not ready in STARTED or RETRY', async () => {
    const backend = new MemoryBackend();
    const result = new AsyncResult('id-1', source(backend));
    for (const state of ['STARTED', 'RETRY'] as const) {
      await backend.set(record(state), 0);
      expect(await result.state()).toBe(state);
      expect(await result.ready()).toBe(false);
    }
  });

  it('returns the value of a SUCCESS, waiting for it', async () => {
    const backend = new MemoryBackend();
    const result = new AsyncResult<number>('id-1', source(backend));
    const got = result.get({ timeout: '10s' });
    await backend.set(record('SUCCESS', { value: 3 }), 0);
    expect(await got).toBe(3);
    expect(await result.ready()).toBe(true);
  });

  it('throws TaskFailed for FAILURE, with the remote error', async () => {
    const backend = new MemoryBackend();
    await backend.set(record('FAILURE', { error: { name: 'TypeError', message: 'bad' } }), 0);
    const error = await new AsyncResult('id-1', source(backend)).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailed);
    expect((error as TaskFailed).message).toBe('task add[id-1] ended in FAILURE: TypeError: bad');
    expect((error as TaskFailed).state).toBe('FAILURE');
    expect((error as TaskFailed).taskId).toBe('id-1');
    expect((error as TaskFailed).remote).toEqual({ name: 'TypeError', message: 'bad' });
    expect((error as TaskFailed).code).toBe('TASK_FAILED');
  });

  it('throws TaskFailed for EXPIRED, naming the state', async () => {
    const backend = new MemoryBackend();
    await backend.set(record('EXPIRED'), 0);
    await expect(new AsyncResult('id-1', source(backend)).get()).rejects.toThrow(
      'task add[id-1] ended in EXPIRED: EXPIRED',
    );
  });

  it('times out with ResultTimeout', async () => {
    const error = await new AsyncResult('id-9', source(new MemoryBackend()))
      .get({ timeout: 30 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultTimeout);
    expect((error as Error).message).toBe('result of task id-9 not ready within 30 ms');
  });

  it('forgets the stored result', async () => {
    const backend = new MemoryBackend();
    await backend.set(record('SUCCESS', { value: 1 }), 0);
    const result = new AsyncResult('id-1', source(backend));
    await result.forget();
    expect(await result.state()).toBe('PENDING');
  });

  it('needs a result backend', async () => {
    const result = new AsyncResult('id-1', undefined);
    expect(result.id).toBe('id-1');
    await expect(result.get()).rejects.toBeInstanceOf(NoResultBackend);
    await expect(result.state()).rejects.toThrow(
      'no result backend is configured: pass `backend` to createApp',
    );
  });

  it('reads an eager outcome from memory', async () => {
    const result = new AsyncResult('id-1', memoryResultSource(record('SUCCESS', { value: 'v' })));
    expect(await result.get()).toBe('v');
    await result.forget();
    expect(await result.state()).toBe('PENDING');
  });
});
