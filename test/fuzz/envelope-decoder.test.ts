import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Envelope, toWire, validateEnvelope } from '../../src/envelope/envelope.ts';
import { MalformedMessage } from '../../src/index.ts';
import { jsonSerializer } from '../../src/serializers/json.ts';
import { ENVELOPE_KEYS } from './envelope-keys.ts';
import { FUZZ_RUNS } from './fuzz-runs.ts';

const CARRIED = { id: 'carried-id', queue: 'carried-queue' };

/** What a worker does with a delivery's body: decode, then validate. */
function decode(bytes: Uint8Array): Envelope {
  return validateEnvelope(jsonSerializer.decode(bytes), CARRIED);
}

/** Either an envelope that keeps the contract, or a MalformedMessage; anything else fails. */
function decodesOrRefuses(bytes: Uint8Array): void {
  let envelope: Envelope;
  try {
    envelope = decode(bytes);
  } catch (error) {
    if (!(error instanceof MalformedMessage)) throw error;
    // A reason is short whatever the body held.
    expect(error.message.length).toBeLessThan(400);
    return;
  }
  expectContract(envelope);
}

const isText = (value: unknown) => typeof value === 'string' && value !== '';
const isObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isSeconds = (value: unknown) => Number.isFinite(value) && (value as number) >= 0;
const absentOr = (value: unknown, check: (v: unknown) => boolean) =>
  value === undefined || check(value);

/** Every typed field has its declared type, and the envelope encodes again (as a retry does). */
function expectContract(e: Envelope, { encodes = true } = {}): void {
  const problems = Object.entries({
    v: Number.isFinite(e.v),
    id: isText(e.id),
    task: isText(e.task),
    queue: isText(e.queue),
    rootId: isText(e.rootId),
    args: Array.isArray(e.args),
    retries: Number.isSafeInteger(e.retries) && e.retries >= 0,
    parentId: e.parentId === null || isText(e.parentId),
    kwargs: absentOr(e.kwargs, isObject),
    priority: absentOr(
      e.priority,
      (p) => Number.isInteger(p) && (p as number) <= 9 && (p as number) >= 0,
    ),
    eta: absentOr(e.eta, (d) => typeof d === 'string' && !Number.isNaN(Date.parse(d))),
    expires: absentOr(e.expires, (d) => typeof d === 'string' && !Number.isNaN(Date.parse(d))),
    timelimit: absentOr(
      e.timelimit,
      (t) => Array.isArray(t) && t.length === 2 && t.every((s) => s === null || isSeconds(s)),
    ),
    groupId: absentOr(e.groupId, isText),
    headers: absentOr(e.headers, isObject),
    sentAt: absentOr(e.sentAt, isSeconds),
    uniqueKey: absentOr(e.uniqueKey, isText),
    links: absentOr(e.links, Array.isArray),
    errbacks: absentOr(e.errbacks, Array.isArray),
    chain: absentOr(e.chain, Array.isArray),
    chord: absentOr(e.chord, isObject),
  }).filter(([, ok]) => !ok);
  expect(problems.map(([field]) => field)).toEqual([]);
  if (encodes) expect(() => jsonSerializer.encode(toWire(e))).not.toThrow();
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

/** Keys that have tripped object handling elsewhere, mixed with the envelope's own. */
const KEYS = fc.constantFrom(...ENVELOPE_KEYS, 'toString', 'valueOf');

/** Any JSON value, with the envelope's keys and prototype-polluting ones common among its keys. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 9, 10),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('', 'x', '2030-01-01T00:00:00Z', 'abc', 'null', '__proto__'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(KEYS, fc.string()), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A valid envelope in its wire form, as a producer sends it. */
const validWire = fc
  .record(
    {
      task: fc.string({ minLength: 1 }),
      args: fc.array(fc.jsonValue(), { maxLength: 3 }),
      kwargs: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
      priority: fc.integer({ min: 0, max: 9 }),
      eta: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      retries: fc.nat(),
      timelimit: fc.tuple(
        fc.option(fc.nat()),
        fc.option(fc.double({ min: 0, max: 1e6, noNaN: true })),
      ),
      rootId: fc.string({ minLength: 1 }),
      parentId: fc.string({ minLength: 1 }),
      groupId: fc.string({ minLength: 1 }),
      headers: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
      sentAt: fc.nat(),
    },
    { requiredKeys: ['task', 'args'] },
  )
  .map((fields) => ({ ...fields }) as Record<string, unknown>);

/** A mutation of a wire envelope: a field dropped, or set to any value. */
const mutation = fc.record({
  key: fc.oneof(KEYS, fc.string()),
  value: fc.option(jsonish, { nil: undefined }),
});

function mutate(wire: Record<string, unknown>, edits: Array<{ key: string; value: unknown }>) {
  const copy: Record<string, unknown> = { ...wire };
  for (const { key, value } of edits) {
    // defineProperty, not assignment: "__proto__" must become a field, as JSON.parse makes it.
    if (value === undefined) delete copy[key];
    else
      Object.defineProperty(copy, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

describe('the envelope decoder (JSON decode, then validateEnvelope)', () => {
  it('decodes any JSON value to a valid envelope or refuses it with MalformedMessage', () => {
    fc.assert(
      fc.property(jsonish, (value) => decodesOrRefuses(bytesOf(JSON.stringify(value)))),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('decodes any bytes to a valid envelope or refuses them with MalformedMessage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(bytes)),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('decodes text made of JSON punctuation, valid or not, or refuses it', () => {
    const punctuation = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      '\\',
      ':',
      ',',
      '1',
      'a',
      ' ',
      '"task"',
    );
    fc.assert(
      fc.property(fc.array(punctuation, { maxLength: 200 }), (parts) =>
        decodesOrRefuses(bytesOf(parts.join(''))),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('keeps valid wire envelopes valid and refuses any mutation that breaks them', () => {
    fc.assert(
      fc.property(validWire, fc.array(mutation, { maxLength: 3 }), (wire, edits) => {
        expectContract(decode(bytesOf(JSON.stringify(wire))));
        decodesOrRefuses(bytesOf(JSON.stringify(mutate(wire, edits))));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('refuses nesting past the limit anywhere in the body, and re-encodes what it accepts', () => {
    const place = fc.constantFrom('args', 'kwargs', 'headers', 'links', 'chord', 'custom');
    fc.assert(
      fc.property(place, fc.integer({ min: 990, max: 20_000 }), (key, depth) => {
        const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        decodesOrRefuses(bytesOf(`{"task":"t","args":[],"${key}":${deep}}`));
      }),
      { numRuns: Math.max(20, Math.round(FUZZ_RUNS / 10)) },
    );
  });

  it('validates any JavaScript value handed over by another serializer, or refuses it', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true }),
        (value) => {
          try {
            // Its args may hold what JSON cannot: only the typed fields are checked.
            expectContract(validateEnvelope(value, CARRIED), { encodes: false });
          } catch (error) {
            if (!(error instanceof MalformedMessage)) throw error;
          }
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});

const short = (text: string) =>
  text.length <= 60 ? text : `${text.slice(0, 60)}… (${text.length})`;
const nest = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/**
 * Malformed shapes found so far (by these properties against the earlier decoder, and by hand),
 * each with the reason it is refused with. Keep adding: every one stays a regression case.
 */
const FOUND: Array<[string, string]> = [
  [
    '{"task":" ","args":[],"parentId":[]}',
    'field "parentId" must be a non-empty string or null, got an empty array',
  ],
  [
    '{"task":"t","args":[],"groupId":{}}',
    'field "groupId" must be a non-empty string, got an object',
  ],
  [
    '{"task":"t","args":[],"timelimit":"abc"}',
    'field "timelimit" must be an array of two entries, [soft, hard], got "abc"',
  ],
  [
    '{"task":"t","args":[],"timelimit":[1]}',
    'field "timelimit" must be an array of two entries, [soft, hard], got an array of 1',
  ],
  [
    '{"task":"t","args":[],"timelimit":[1,"abc"]}',
    'field "timelimit[1]" must be a non-negative number or null, got "abc"',
  ],
  [
    '{"task":"t","args":[],"timelimit":[1e999,null]}',
    'field "timelimit[0]" must be a non-negative number or null, got Infinity',
  ],
  ['{"task":"t","args":[],"sentAt":"x"}', 'field "sentAt" must be a non-negative number, got "x"'],
  ['{"task":"t","args":[],"sentAt":-1}', 'field "sentAt" must be a non-negative number, got -1'],
  [
    '{"task":"t","args":[],"sentAt":1e999}',
    'field "sentAt" must be a non-negative number, got Infinity',
  ],
  ['{"task":"t","args":[],"v":1e999}', 'field "v" must be a number, got Infinity'],
  [
    '{"task":"t","args":[],"retries":1e999}',
    'field "retries" must be a non-negative integer, got Infinity',
  ],
  [
    '{"task":"t","args":[],"retries":1e300}',
    'field "retries" must be a non-negative integer, got 1e+300',
  ],
  ['{"task":"t","args":[],"uniqueKey":5}', 'field "uniqueKey" must be a non-empty string, got 5'],
  ['{"task":"t","args":[],"rootId":""}', 'field "rootId" must be a non-empty string, got ""'],
  ['{"__proto__":{"task":"t"},"args":[]}', 'field "task" must be a non-empty string'],
  ['{"task":{"toString":1},"args":[]}', 'field "task" must be a non-empty string, got an object'],
  [`{"task":"t","args":${nest(4097)}}`, 'body nests arrays and objects deeper than 1000 levels'],
  [
    `{"task":"t","args":[],"links":${nest(100_000)}}`,
    'body nests arrays and objects deeper than 1000 levels',
  ],
  [
    `{"task":"${'x'.repeat(5000)}","args":[],"eta":"${'y'.repeat(5000)}"}`,
    `field "eta" must be an ISO 8601 date, got "${'y'.repeat(40)}"… (5000 characters)`,
  ],
];

describe('malformed shapes found so far', () => {
  const cases = FOUND.map(([body, reason]) => [short(body), body, reason]);
  it.each(cases)('refuses %s', (_title, body, reason) => {
    expect(() => decode(bytesOf(body))).toThrow(new MalformedMessage(reason));
  });

  it('keeps a "__proto__" field as data, never as the prototype', () => {
    const envelope = decode(bytesOf('{"task":"t","args":[],"__proto__":{"polluted":true}}'));
    expect(Object.getPrototypeOf(envelope)).toBe(Object.prototype);
    expect((envelope as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(envelope)).toContain('__proto__');
  });
});
