import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shortRepr } from '../../../src/events/args-repr.ts';

describe('shortRepr', () => {
  it('shows arguments on one line, nested data cut at a few levels', () => {
    expect(shortRepr([1, 'two', { three: [3] }])).toBe("[ 1, 'two', { three: [ 3 ] } ]");
    expect(shortRepr([{ a: { b: { c: { d: 1 } } } }])).toBe('[ { a: { b: { c: [Object] } } } ]');
  });

  it('cuts the text at the limit, marking the cut', () => {
    const text = shortRepr(['x'.repeat(100)], 32);
    expect(text).toHaveLength(32);
    expect(text).toBe(`[ '${'x'.repeat(28)}…`);
  });

  it('says so, rather than throwing, when a value cannot be shown', () => {
    const hostile = {
      [inspect.custom]() {
        throw new Error('no');
      },
    };
    expect(shortRepr([hostile])).toBe('<arguments that cannot be shown>');
  });
});
