import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../../src/config/byte-size.ts';

describe('parseByteSize', () => {
  it('reads binary units, upper or lower case, and plain byte numbers', () => {
    expect(parseByteSize('200MB')).toBe(200 * 2 ** 20);
    expect(parseByteSize('200mib')).toBe(200 * 2 ** 20);
    expect(parseByteSize('1.5GB')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('512 KiB')).toBe(512 * 2 ** 10);
    expect(parseByteSize(4096)).toBe(4096);
  });

  it('says what is wrong with a size it cannot read', () => {
    expect(() => parseByteSize('200')).toThrow('expected a size such as 200MB or 1.5GB, got "200"');
    expect(() => parseByteSize('lots')).toThrow(
      'expected a size such as 200MB or 1.5GB, got "lots"',
    );
    expect(() => parseByteSize('0MB')).toThrow('expected a size above zero, got "0MB"');
    expect(() => parseByteSize(-1)).toThrow('expected a positive number of bytes, got -1');
  });
});
