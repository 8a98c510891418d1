import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchBuffer } from '../../../src/batching/batch-buffer.ts';

describe('BatchBuffer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('returns the batch from the add that fills it, and never holds maxSize items', () => {
    const buffer = new BatchBuffer<number>(3, 1000, () => {});
    const cut: number[][] = [];
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      const full = buffer.add(i);
      if (full) cut.push(full);
      peak = Math.max(peak, buffer.size);
    }
    expect(cut).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(peak).toBe(2);
    expect(buffer.takeAll()).toEqual([9]);
  });

  it('becomes due maxWait after its first item and keeps accepting until taken', () => {
    let dueCalls = 0;
    const buffer = new BatchBuffer<string>(5, 1000, () => dueCalls++);
    buffer.add('a');
    vi.advanceTimersByTime(999);
    buffer.add('b');
    expect(buffer.takeDue()).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(dueCalls).toBe(1);
    buffer.add('c');
    expect(buffer.takeDue()).toEqual(['a', 'b', 'c']);
    expect(buffer.due).toBe(false);
    expect(buffer.takeDue()).toBeUndefined();
  });

  it('starts a new maxWait with the first item after a cut', () => {
    let dueCalls = 0;
    const buffer = new BatchBuffer<string>(2, 1000, () => dueCalls++);
    buffer.add('a');
    expect(buffer.add('b')).toEqual(['a', 'b']);
    vi.advanceTimersByTime(5000);
    expect(dueCalls).toBe(0);
    buffer.add('c');
    vi.advanceTimersByTime(1000);
    expect(dueCalls).toBe(1);
  });

  it('cuts a full batch even when it is due', () => {
    const buffer = new BatchBuffer<string>(2, 10, () => {});
    buffer.add('a');
    vi.advanceTimersByTime(10);
    expect(buffer.add('b')).toEqual(['a', 'b']);
    expect(buffer.takeDue()).toBeUndefined();
  });
});
