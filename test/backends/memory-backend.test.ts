import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TaskResultRecord } from '../../src/backends/backend.ts';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.ts';
import { backendConformance } from '../../src/testing/backend-conformance.ts';

backendConformance('memory', () => new MemoryBackend());

function makeRecord(overrides: Partial<TaskResultRecord> = {}): TaskResultRecord {
  return { id: randomUUID(), task: 't', state: 'SUCCESS', retries: 0, updatedAt: 1, ...overrides };
}

describe('MemoryBackend', () => {
  it('stores a copy, so later changes to the caller object do not leak in', async () => {
    const backend = new MemoryBackend();
    const record = makeRecord({ value: { n: 1 } });
    await backend.set(record, 0);
    (record.value as { n: number }).n = 2;
    const stored = await backend.get(record.id);
    expect(stored?.value).toEqual({ n: 1 });
    (stored?.value as { n: number }).n = 3;
    expect((await backend.get(record.id))?.value).toEqual({ n: 1 });
  });

  it('stores values as JSON, like the persistent backends', async () => {
    const backend = new MemoryBackend();
    const record = makeRecord({ value: { at: new Date(0), skip: undefined } });
    await backend.set(record, 0);
    expect((await backend.get(record.id))?.value).toStrictEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it('wakes every waiter on the same id', async () => {
    const backend = new MemoryBackend();
    const record = makeRecord({ value: 'shared' });
    const waits = [backend.wait(record.id, 60_000), backend.wait(record.id, 60_000)];
    await backend.set(record, 0);
    expect(await Promise.all(waits)).toEqual([record, record]);
  });

  it('close ends pending waits with undefined', async () => {
    const backend = new MemoryBackend();
    const waiting = backend.wait(randomUUID(), 60_000);
    await backend.close();
    expect(await waiting).toBeUndefined();
  });

  it('a record stored with a TTL is readable before it expires', async () => {
    const backend = new MemoryBackend();
    const record = makeRecord({ value: 'fresh' });
    await backend.set(record, 60_000);
    expect(await backend.get(record.id)).toEqual(record);
  });
});
