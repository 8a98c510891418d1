import { describe, expect, it } from 'vitest';
import { HorizonMemo } from '../../../../src/flow/rate/horizon-memo.ts';

describe('HorizonMemo', () => {
  it('knows nothing until the broker said a key is full', () => {
    const memo = new HorizonMemo();
    expect(memo.askAgainAt('t', 'k', 1000)).toBeUndefined();
  });

  it('answers for the same task and key only, for a second at most', () => {
    const memo = new HorizonMemo();
    memo.noteFull('t', 'k', 1000, 61_000);
    expect(memo.askAgainAt('t', 'k', 1500)).toBe(61_000);
    expect(memo.askAgainAt('t', 'other', 1500)).toBeUndefined();
    expect(memo.askAgainAt('other', 'k', 1500)).toBeUndefined();
    // After a second the broker is asked again, so a runtime change of the limit is seen.
    expect(memo.askAgainAt('t', 'k', 2000)).toBeUndefined();
  });

  it('stops answering when the time to ask again comes first', () => {
    const memo = new HorizonMemo();
    memo.noteFull('t', 'k', 1000, 1200);
    expect(memo.askAgainAt('t', 'k', 1199)).toBe(1200);
    expect(memo.askAgainAt('t', 'k', 1200)).toBeUndefined();
  });

  it('sweeps expired entries once many keys were seen, keeping live ones', () => {
    const memo = new HorizonMemo();
    for (let i = 0; i < 10_000; i++) memo.noteFull('t', `old${i}`, 0, 500);
    memo.noteFull('t', 'live', 1000, 1800);
    expect(memo.askAgainAt('t', 'old1', 1000)).toBeUndefined();
    expect(memo.askAgainAt('t', 'live', 1000)).toBe(1800);
  });
});
