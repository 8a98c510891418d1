import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uuidV7, uuidV7Time } from '../../../src/envelope/uuid-v7.ts';

describe('uuidV7', () => {
  it('is an RFC 9562 version 7 UUID whose time reads back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
        const id = uuidV7(ms);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(uuidV7Time(id)).toBe(ms);
      }),
    );
  });

  it('sorts by the time it was made', () => {
    const ids = [3, 1_000, 1_764_770_000_000, 2 ** 47].map((ms) => uuidV7(ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('differs within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidV7(1_764_770_000_000)));
    expect(ids.size).toBe(10_000);
  });
});

describe('uuidV7Time', () => {
  it.each([
    randomUUID(),
    '01a23c0d-e3a6-7e0a-9c59-7d97dedbdf0',
    '01A23C0D-E3A6-7E0A-9C59-7D97DEDBDF02',
    '01a23c0d-e3a6-7e0a-cc59-7d97dedbdf02',
    'order-42',
    '',
  ])('is undefined for %j, which is not a lowercase UUIDv7', (id) => {
    expect(uuidV7Time(id)).toBeUndefined();
  });
});
