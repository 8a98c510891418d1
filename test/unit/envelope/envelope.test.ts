import { describe, expect, it } from 'vitest';
import {
  type CarriedFields,
  type Envelope,
  isPriority,
  toWire,
  validateEnvelope,
} from '../../../src/envelope/envelope.ts';
import { uuidV7 } from '../../../src/envelope/uuid-v7.ts';
import { MalformedMessage } from '../../../src/index.ts';

function valid(): Envelope {
  return {
    v: 1,
    id: 'id-1',
    task: 'add',
    args: [1, 2],
    queue: 'default',
    retries: 0,
    rootId: 'id-1',
    parentId: null,
  };
}

function malformed(value: unknown, carried?: CarriedFields): MalformedMessage {
  try {
    validateEnvelope(value, carried);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessage);
    return error as MalformedMessage;
  }
  throw new Error('expected a MalformedMessage');
}

function without(key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...valid() };
  delete copy[key];
  return copy;
}

describe('validateEnvelope', () => {
  it('returns a valid envelope as it is', () => {
    const envelope = {
      ...valid(),
      kwargs: { a: 1 },
      priority: 9,
      eta: '2030-01-01T00:00:00.000Z',
      expires: '2030-01-02T00:00:00.000Z',
      headers: { trace: 'x' },
      timelimit: [1, 2],
    };
    expect(validateEnvelope(envelope)).toBe(envelope);
  });

  it.each([null, 'a string', 42, undefined])('rejects %j: not an object', (value) => {
    expect(malformed(value).message).toBe('malformed message: expected an object');
  });

  it.each([
    [[], 'expected [task, args] or [task, args, fields], got an array of 0'],
    [['t'], 'expected [task, args] or [task, args, fields], got an array of 1'],
    [['t', [], {}, 4], 'expected [task, args] or [task, args, fields], got an array of 4'],
    [['t', [], 7], 'its fields (third element) must be an object, got 7'],
    [['t', [], [1]], 'its fields (third element) must be an object, got an array of 1'],
    [['t', [], { task: 'u' }], 'fields name "task" or "args", which the message gives by position'],
    [[5, []], 'field "task" must be a non-empty string, got 5'],
    [['t', 'x'], 'field "args" must be an array, got "x"'],
  ])('rejects the positional form %j, saying why', (value, why) => {
    expect(malformed(value, { id: 'a', queue: 'q' }).message).toBe(`malformed message: ${why}`);
  });

  it.each(['id', 'task', 'queue'])('names the missing string field %s', (key) => {
    expect(malformed(without(key)).message).toBe(
      `malformed message: field "${key}" must be a non-empty string`,
    );
    expect(malformed({ ...valid(), [key]: '' }).message).toBe(
      `malformed message: field "${key}" must be a non-empty string, got ""`,
    );
    expect(malformed({ ...valid(), [key]: 7 }).message).toBe(
      `malformed message: field "${key}" must be a non-empty string, got 7`,
    );
  });

  it.each([
    [without('args'), 'field "args" must be an array'],
    [{ ...valid(), args: { 0: 1 } }, 'field "args" must be an array, got an object'],
    [{ ...valid(), v: 'one' }, 'field "v" must be a number, got "one"'],
    [{ ...valid(), v: '1' }, 'field "v" must be a number, got "1"'],
    [{ ...valid(), retries: -1 }, 'field "retries" must be a non-negative integer, got -1'],
    [{ ...valid(), retries: 1.5 }, 'field "retries" must be a non-negative integer, got 1.5'],
    [{ ...valid(), retries: '2' }, 'field "retries" must be a non-negative integer, got "2"'],
    [
      { ...valid(), retries: 2 ** 60 },
      `field "retries" must be a non-negative integer, got ${2 ** 60}`,
    ],
    [{ ...valid(), kwargs: [1] }, 'field "kwargs" must be an object, got an array of 1'],
    [{ ...valid(), kwargs: null }, 'field "kwargs" must be an object, got null'],
    [{ ...valid(), priority: 10 }, 'field "priority" must be an integer from 0 to 9, got 10'],
    [{ ...valid(), priority: -1 }, 'field "priority" must be an integer from 0 to 9, got -1'],
    [{ ...valid(), priority: '5' }, 'field "priority" must be an integer from 0 to 9, got "5"'],
    [{ ...valid(), eta: 'tomorrow' }, 'field "eta" must be an ISO 8601 date, got "tomorrow"'],
    [
      { ...valid(), eta: 1_700_000_000_000 },
      'field "eta" must be an ISO 8601 date, got 1700000000000',
    ],
    [{ ...valid(), expires: 'never' }, 'field "expires" must be an ISO 8601 date, got "never"'],
    [{ ...valid(), headers: 'x' }, 'field "headers" must be an object, got "x"'],
    [{ ...valid(), headers: [] }, 'field "headers" must be an object, got an empty array'],
    [{ ...valid(), rootId: '' }, 'field "rootId" must be a non-empty string, got ""'],
    [{ ...valid(), rootId: ['a'] }, 'field "rootId" must be a non-empty string, got an array of 1'],
    [{ ...valid(), parentId: 5 }, 'field "parentId" must be a non-empty string or null, got 5'],
    [{ ...valid(), parentId: '' }, 'field "parentId" must be a non-empty string or null, got ""'],
    [{ ...valid(), groupId: {} }, 'field "groupId" must be a non-empty string, got an object'],
    [{ ...valid(), groupId: '' }, 'field "groupId" must be a non-empty string, got ""'],
    [{ ...valid(), sentAt: 'now' }, 'field "sentAt" must be a non-negative number, got "now"'],
    [{ ...valid(), sentAt: -1 }, 'field "sentAt" must be a non-negative number, got -1'],
    [{ ...valid(), uniqueKey: 3 }, 'field "uniqueKey" must be a non-empty string, got 3'],
    [
      { ...valid(), timelimit: 30 },
      'field "timelimit" must be an array of two entries, [soft, hard], got 30',
    ],
    [
      { ...valid(), timelimit: [1] },
      'field "timelimit" must be an array of two entries, [soft, hard], got an array of 1',
    ],
    [
      { ...valid(), timelimit: [1, 'abc'] },
      'field "timelimit[1]" must be a non-negative number or null, got "abc"',
    ],
    [
      { ...valid(), timelimit: [-5, null] },
      'field "timelimit[0]" must be a non-negative number or null, got -5',
    ],
  ])('rejects %j naming the field', (value, detail) => {
    const error = malformed(value);
    expect(error.message).toBe(`malformed message: ${detail}`);
    expect(error.code).toBe('MALFORMED_MESSAGE');
  });

  it('accepts null eta, expires, timelimit and groupId, as Celery sends them, as absent', () => {
    const nulls = { eta: null, expires: null, timelimit: null, groupId: null };
    expect(validateEnvelope({ ...valid(), ...nulls })).toEqual(valid());
  });

  it('accepts time limits of null and of numbers, and a sentAt', () => {
    const envelope = { ...valid(), timelimit: [null, 2.5], sentAt: 1_700_000_000_000 };
    expect(validateEnvelope(envelope)).toBe(envelope);
  });

  it('quotes a long received string cut, with its length', () => {
    const long = 'x'.repeat(10_000);
    expect(malformed({ ...valid(), task: { name: long } }).message).toBe(
      'malformed message: field "task" must be a non-empty string, got an object',
    );
    expect(malformed({ ...valid(), eta: long }).message).toBe(
      `malformed message: field "eta" must be an ISO 8601 date, got "${'x'.repeat(40)}"… (10000 characters)`,
    );
  });

  it('checks fields in a fixed order: the first bad one is named', () => {
    expect(malformed({ v: 'x', args: 'y' }).message).toBe(
      'malformed message: field "id" must be a non-empty string',
    );
  });

  it('preserves unknown fields', () => {
    const envelope = {
      ...valid(),
      groupId: 'g1',
      links: [{ kind: 'task', task: 'next', args: [], options: {} }],
      custom: { deep: [1] },
    };
    const result = validateEnvelope(JSON.parse(JSON.stringify(envelope)));
    expect(result).toEqual(envelope);
    expect(result.custom).toEqual({ deep: [1] });
  });
});

describe('isPriority', () => {
  it('is true for the integers 0 to 9 only', () => {
    expect([0, 5, 9].every(isPriority)).toBe(true);
    expect([-1, 10, 4.5, Number.NaN, '3', null, undefined].some(isPriority)).toBe(false);
  });
});

describe('toWire', () => {
  const full = () =>
    validateEnvelope({
      v: 1,
      id: 'a',
      task: 't',
      args: [],
      queue: 'q',
      retries: 0,
      rootId: 'a',
      parentId: null,
    });

  it('leaves out what the broker carries and fields at their defaults', () => {
    expect(toWire(full())).toEqual(['t', []]);
  });

  it('leaves out sentAt when it is the time of a UUIDv7 id, and restores it from the id', () => {
    const id = uuidV7(1_764_770_000_123);
    const sent = { ...full(), id, rootId: id, sentAt: 1_764_770_000_123 };
    expect(toWire(sent)).toEqual(['t', []]);
    expect(validateEnvelope(['t', []], { id, queue: 'q' })).toEqual(sent);
    // A retry is sent later than its id was made: its own time travels.
    expect(toWire({ ...sent, sentAt: 1_764_770_009_000 })).toEqual([
      't',
      [],
      { sentAt: 1_764_770_009_000 },
    ]);
  });

  it('reads the object form of earlier releases, sentAt included', () => {
    const old = { task: 't', args: [1], sentAt: 1_700_000_000_000, retries: 1 };
    expect(validateEnvelope(old, { id: 'a', queue: 'q' })).toEqual({
      ...full(),
      args: [1],
      sentAt: 1_700_000_000_000,
      retries: 1,
    });
  });

  it('is restored by validateEnvelope with the id and queue the broker delivered', () => {
    const wire = JSON.parse(JSON.stringify(toWire(full())));
    expect(validateEnvelope(wire, { id: 'a', queue: 'q' })).toEqual(full());
  });

  it('keeps fields that differ from their defaults', () => {
    const envelope = validateEnvelope({
      v: 1,
      id: 'b',
      task: 't',
      args: [],
      queue: 'q',
      retries: 2,
      rootId: 'a',
      parentId: 'a',
    });
    expect(toWire({ ...envelope, v: 2 as 1 })).toEqual([
      't',
      [],
      { v: 2, retries: 2, rootId: 'a', parentId: 'a' },
    ]);
  });

  it('prefers the fields in the body over the carried ones', () => {
    const envelope = validateEnvelope(
      { v: 1, id: 'x', task: 't', args: [], queue: 'q1' },
      { id: 'y', queue: 'q2' },
    );
    expect([envelope.id, envelope.queue]).toEqual(['x', 'q1']);
  });
});
