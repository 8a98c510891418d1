import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeId, packEntry, unpackEntry } from '../../src/brokers/redis/entry.ts';

describe('Redis entries', () => {
  const body = Buffer.from('{"task":"t","args":[]}');

  it('stores a lowercase UUID id as 16 raw bytes and reads it back', () => {
    const id = randomUUID();
    const entry = packEntry(3, 1, id, body);
    expect(entry.length).toBe('3|1|u|'.length + 16 + body.length);
    expect(unpackEntry(entry)).toEqual({ priority: 3, deliveries: 1, id, body });
  });

  it.each(['job-42', 'ÄBC-ünïcode', 'F47AC10B-58CC-4372-A567-0E02B2C3D479', 'a|b'])(
    'stores other ids as text: %s',
    (id) => {
      const entry = packEntry(0, 0, id, body);
      expect(encodeId(id).field).toBe(String(Buffer.byteLength(id)));
      expect(unpackEntry(entry)).toEqual({ priority: 0, deliveries: 0, id, body });
    },
  );

  it('stores a message never delivered, with a UUID id, in the 17-byte short form', () => {
    const id = randomUUID();
    const entry = packEntry(7, 0, id, body);
    expect(entry[0]).toBe(0xf5 + 7);
    expect(entry.subarray(1, 17).toString('hex')).toBe(id.replaceAll('-', ''));
    expect(entry.subarray(17).equals(body)).toBe(true);
    expect(unpackEntry(entry)).toEqual({ priority: 7, deliveries: 0, id, body });
  });

  it('reads the long form an earlier release wrote for a message never delivered', () => {
    const id = randomUUID();
    const raw = Buffer.from(id.replaceAll('-', ''), 'hex');
    const old = Buffer.concat([Buffer.from('2|0|u|'), raw, body]);
    expect(unpackEntry(old)).toEqual({ priority: 2, deliveries: 0, id, body });
  });

  it('rejects bytes that are not an entry', () => {
    expect(unpackEntry(Buffer.from([0xf5, 1, 2, 3]))).toBeUndefined();
    expect(unpackEntry(Buffer.from('not an entry'))).toBeUndefined();
    expect(unpackEntry(Buffer.from('0|0|99|short'))).toBeUndefined();
  });
});

describe('packEntry', () => {
  it.each([
    [10, 0, 'a', 'priority must be an integer from 0 to 9, got 10'],
    [1.5, 0, 'a', 'priority must be an integer from 0 to 9, got 1.5'],
    [0, -1, 'a', 'delivery count must be an integer from 0 to 999999999, got -1'],
    [0, 2.5, 'a', 'delivery count must be an integer from 0 to 999999999, got 2.5'],
    [0, 1e9, 'a', 'delivery count must be an integer from 0 to 999999999, got 1000000000'],
    [0, 0, '', 'its id is empty'],
  ])('refuses a header it would not read back: %s, %s, %j', (priority, deliveries, id, problem) => {
    expect(() => packEntry(priority, deliveries, id, Buffer.from('{}'))).toThrow(
      `cannot store message "${id}" in Redis: ${problem}`,
    );
  });
});
