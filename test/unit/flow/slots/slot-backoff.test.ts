import { describe, expect, it } from 'vitest';
import {
  SLOT_WAITS_HEADER,
  slotBackoffMs,
  slotWaitsOf,
  withOneMoreWait,
} from '../../../../src/flow/slots/slot-backoff.ts';
import type { Envelope } from '../../../../src/index.ts';

const envelope = (headers?: Record<string, unknown>): Envelope => ({
  v: 1,
  id: 'a',
  task: 't',
  args: [],
  queue: 'q',
  retries: 0,
  rootId: 'a',
  ...(headers ? { headers } : {}),
});

describe('slot backoff', () => {
  it('doubles from 100 ms to at most 5 s, spread over its upper half', () => {
    const longest = (waits: number) => slotBackoffMs(waits, () => 1);
    const shortest = (waits: number) => slotBackoffMs(waits, () => 0);
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(longest)).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
    expect([0, 1, 6].map(shortest)).toEqual([50, 100, 2500]);
  });

  it('counts waits in a header that travels with the message', () => {
    expect(slotWaitsOf(envelope())).toBe(0);
    const once = withOneMoreWait(envelope({ trace: 'x' }));
    expect(once.headers).toEqual({ trace: 'x', [SLOT_WAITS_HEADER]: 1 });
    expect(slotWaitsOf(withOneMoreWait(once))).toBe(2);
    expect(slotWaitsOf(envelope({ [SLOT_WAITS_HEADER]: 'lots' }))).toBe(0);
  });
});
