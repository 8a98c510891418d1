import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_DELIVERIES,
  packEntry,
  readEntry,
  unpackDeadLetter,
} from '../../src/brokers/redis/entry.ts';
import { loadLuaSource } from '../../src/brokers/redis/lua-script.ts';
import { fuzzRuns } from '../fuzz/fuzz-runs.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

/** Both parsers' answers in one shape: the fields read, or the problem. */
type Verdict =
  | { ok: true; priority: number; deliveries: string; id: string; body: Buffer }
  | { ok: false; problem: string };

// The Lua parser as the scripts include it, plus a probe that returns its verdict, its fields,
// the entry as reserve.lua repacks it with one more delivery and as requeue-dead.lua with none,
// and last what reserve.lua's shortcut for a first delivery makes of it (nil where it passes).
const LUA_PROBE = `${loadLuaSource('lib/entry.lua')}
local first = first_delivery(ARGV[1]) or false
local parsed, problem = parse_entry(ARGV[1])
if parsed == nil then return { 0, problem, first } end
local bar = string.find(parsed.rest, '|', 1, true)
return { 1, parsed.priority, tostring(parsed.deliveries), string.sub(parsed.rest, 1, bar - 1),
  parsed.id, string.sub(parsed.rest, bar + #parsed.id + 1),
  pack_entry(parsed.priority, parsed.deliveries + 1, parsed.rest),
  pack_entry(parsed.priority, 0, parsed.rest), first }
`;

const DEAD_PROBE = `${loadLuaSource('lib/entry.lua')}
local dead = parse_dead(ARGV[1])
if dead == nil then return { 0 } end
return { 1, dead.reason, dead.value }
`;

const client = redisAvailable ? new Redis(redisUrl) : undefined;
afterAll(() => client?.disconnect());

async function evalProbe(script: string, bytes: Buffer): Promise<Buffer[]> {
  const run = client as unknown as {
    evalBuffer(script: string, keys: number, ...args: Buffer[]): Promise<unknown>;
  };
  return (await run.evalBuffer(script, 0, bytes)) as Buffer[];
}

function uuidText(raw: Buffer): string {
  const hex = raw.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function luaVerdict(bytes: Buffer): Promise<Verdict> {
  const reply = await evalProbe(LUA_PROBE, bytes);
  if (Number(reply[0]) === 0) return { ok: false, problem: String(reply[1]) };
  const rawId = reply[4] as Buffer;
  return {
    ok: true,
    priority: Number(reply[1]),
    deliveries: String(reply[2]),
    id: String(reply[3]) === 'u' ? uuidText(rawId) : rawId.toString('utf8'),
    body: reply[5] as Buffer,
  };
}

function jsVerdict(bytes: Buffer): Verdict {
  const read = readEntry(bytes);
  if ('problem' in read) return { ok: false, problem: read.problem };
  const { priority, deliveries, id, body } = read;
  return { ok: true, priority, deliveries: String(deliveries), id, body: Buffer.from(body) };
}

/**
 * Asserts reserve.lua's shortcut agrees with the full path: where it takes an entry (a short
 * one), the entry reads as never delivered and the shortcut's bytes are what the full path packs
 * for its first delivery; every other value it leaves to the full path.
 */
async function expectSameFirstDelivery(bytes: Buffer): Promise<void> {
  const reply = await evalProbe(LUA_PROBE, bytes);
  const ok = Number(reply[0]) === 1;
  const first = reply[ok ? 8 : 2] ?? null;
  const short =
    bytes.length >= 17 && bytes[0] !== undefined && bytes[0] >= 0xf5 && bytes[0] <= 0xfe;
  expect(first === null, JSON.stringify(bytes.toString('latin1'))).toBe(!short);
  if (first === null) return;
  expect(ok).toBe(true);
  expect(String(reply[2])).toBe('0');
  expect((first as Buffer).equals(reply[6] as Buffer)).toBe(true);
}

/** Asserts both parsers read `bytes` alike: the same verdict, problem and fields. */
async function expectSameVerdict(bytes: Buffer): Promise<Verdict> {
  const lua = await luaVerdict(bytes);
  expect(jsVerdict(bytes), JSON.stringify(bytes.toString('latin1'))).toEqual(lua);
  await expectSameFirstDelivery(bytes);
  return lua;
}

const header = fc.record({
  priority: fc.integer({ min: 0, max: 9 }),
  deliveries: fc.oneof(
    fc.integer({ min: 0, max: 20 }),
    fc.integer({ min: 0, max: MAX_DELIVERIES }),
  ),
  id: fc.oneof(fc.uuid({ version: 4 }), fc.string({ minLength: 1, maxLength: 40, unit: 'binary' })),
  body: fc.uint8Array({ maxLength: 60 }),
});

/** Tokens a hostile or broken writer puts in a number field (`tonumber` takes most of them). */
const HOSTILE_NUMBERS = [
  '1.5',
  'nan',
  'inf',
  '-inf',
  '0x1f',
  ' 3',
  '3 ',
  '1e2',
  '-1',
  '+1',
  '',
  '0',
  '00',
  '1234567890',
  '9999999999999999999999',
  'u',
  'U',
  '٣',
  '1\u00003',
];

/** A valid entry with one header field replaced, bytes cut, or bytes spliced in. */
const mutatedEntry = fc
  .tuple(
    header,
    fc.oneof(
      fc.record({
        field: fc.integer({ min: 0, max: 2 }),
        token: fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS), fc.string({ maxLength: 12 })),
      }),
      fc.record({ cut: fc.nat() }),
      fc.record({ at: fc.nat(), insert: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    ),
  )
  .map(([h, mutation]) => {
    const bytes = packEntry(h.priority, h.deliveries, h.id, h.body);
    if ('field' in mutation) {
      const fields = bytes.toString('latin1').split('|');
      fields[mutation.field] = Buffer.from(mutation.token, 'utf8').toString('latin1');
      return Buffer.from(fields.join('|'), 'latin1');
    }
    if ('cut' in mutation) return bytes.subarray(0, mutation.cut % (bytes.length + 1));
    const at = mutation.at % (bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, at), mutation.insert, bytes.subarray(at)]);
  });

describe.skipIf(!redisAvailable)('the Redis entry grammar, in Lua and TypeScript', () => {
  it('both parsers give the same verdict and fields on arbitrary bytes', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      // Mostly digits and bars, so the bytes often get past the first fields.
      fc
        .array(fc.constantFrom(...'0123456789|u.-+e x\xf4\xf5\xfa\xfe\xff'), { maxLength: 40 })
        .map((chars) => new Uint8Array(Buffer.from(chars.join(''), 'latin1'))),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        await expectSameVerdict(Buffer.from(b));
      }),
      { numRuns: fuzzRuns() },
    );
  });

  it('both parsers give the same verdict and fields on mutated valid entries', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedEntry, async (bytes) => {
        await expectSameVerdict(bytes);
      }),
      { numRuns: fuzzRuns() },
    );
  });

  it('every packed entry reads back the same on both sides, and Lua repacks it byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const bytes = packEntry(h.priority, h.deliveries, h.id, h.body);
        expect(readEntry(bytes)).toEqual({ ...h, body: Buffer.from(h.body) });
        const lua = await expectSameVerdict(bytes);
        expect(lua.ok).toBe(true);
        if (h.deliveries === MAX_DELIVERIES) return;
        // reserve.lua bumps the count with pack_entry; it must equal what packEntry writes.
        const reply = await evalProbe(LUA_PROBE, bytes);
        const bumped = packEntry(h.priority, h.deliveries + 1, h.id, h.body);
        expect((reply[6] as Buffer).equals(bumped)).toBe(true);
        const restarted = packEntry(h.priority, 0, h.id, h.body);
        expect((reply[7] as Buffer).equals(restarted)).toBe(true);
      }),
      { numRuns: fuzzRuns() },
    );
  });

  it('both parsers read dead letters alike', async () => {
    const letter = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
      fc
        .tuple(
          fc.constantFrom('1712345678901', '0', '1.5', '-1', ' 1', '1e3', '', '1234567890123456'),
          fc.constantFrom('0', '3', '1.5', '-1', ' 2', '99', '', 'x'),
          fc.uint8Array({ maxLength: 20 }),
        )
        .map(([at, length, rest]) => Buffer.concat([Buffer.from(`${at}|${length}|`), rest])),
    );
    await fc.assert(
      fc.asyncProperty(letter, async (bytes) => {
        const reply = await evalProbe(DEAD_PROBE, bytes);
        const js = unpackDeadLetter(bytes);
        expect(js !== undefined).toBe(Number(reply[0]) === 1);
        if (!js) return;
        expect(js.reason).toBe((reply[1] as Buffer).toString('utf8'));
        expect(js.value.equals(reply[2] as Buffer)).toBe(true);
      }),
      { numRuns: fuzzRuns() },
    );
  });

  // Shapes found so far, kept as explicit cases: each must be refused by both parsers alike.
  const id = randomUUID();
  const found = [
    ...HOSTILE_NUMBERS.filter((t) => t !== '0' && t !== '00').map((t) => `0|${t}|3|abc{}`),
    ...HOSTILE_NUMBERS.map((t) => `0|1|${t}|abc{}`),
    '0|1|0|{}',
    '0|1|99|short',
    '0|1|u|short',
    'a|1|3|abc{}',
    '10|1|3|abc{}',
    '',
    '0',
    '0|',
    '0||',
    '0|1|',
    `0|${MAX_DELIVERIES + 1}|u|${id}`,
  ];
  it.each(found)('both parsers refuse %j', async (text) => {
    const verdict = await expectSameVerdict(Buffer.from(text, 'latin1'));
    expect(verdict.ok).toBe(false);
  });
});
