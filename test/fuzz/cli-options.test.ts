import { Command, CommanderError, InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  byteSize,
  duration,
  json,
  logLevelOption,
  port,
  positiveInt,
  priority,
  queueList,
} from '../../src/cli/parse-options.ts';
import { parseAutoscale } from '../../src/worker/autoscaler.ts';
import { FUZZ_RUNS } from './fuzz-runs.ts';

const runs = { numRuns: FUZZ_RUNS };
const MS: Record<string, number> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const BYTES: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 2 ** 20,
  mib: 2 ** 20,
  gb: 2 ** 30,
  gib: 2 ** 30,
};

/** Any text a user could type, biased towards digits, units, commas and whitespace. */
const typed = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.stringMatching(/^[\s\d.,eE+xX-]{0,12}(ms|s|m|h|d|kb|MB|GiB|b)?[\s\n]?$/),
  fc.constantFrom('', ' ', '\n', '0', '-1', '1e3', '0x10', 'Infinity', 'NaN', '9'.repeat(400)),
);

type Parse = (value: string) => unknown;

/** The parser returns a value `inDomain` accepts, or throws `errorType` with a one-line message. */
function parsesOrRefuses(
  parse: Parse,
  input: string,
  inDomain: (value: unknown) => boolean,
  errorType: abstract new (...args: never[]) => Error = InvalidArgumentError,
): void {
  let value: unknown;
  try {
    value = parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(errorType);
    expect((error as Error).message).not.toMatch(/[\r\n]/);
    expect((error as Error).message.length).toBeGreaterThan(0);
    return;
  }
  expect(inDomain(value), `${JSON.stringify(input)} parsed to ${String(value)}`).toBe(true);
}

const safeNonNegative = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const safePositive = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
const QUEUE = /^[\w.:@-]+$/;

const PARSERS: [string, Parse, (value: unknown) => boolean][] = [
  ['positiveInt', positiveInt, safePositive],
  ['duration', duration, (v) => Number.isFinite(v) && (v as number) >= 0 && Number.isInteger(v)],
  ['byteSize', byteSize, safePositive],
  ['port', port, (v) => safeNonNegative(v) && (v as number) <= 65535],
  ['priority', priority, (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 9],
  [
    'queueList',
    queueList,
    (v) => Array.isArray(v) && v.length > 0 && v.every((q) => QUEUE.test(q)),
  ],
  ['json(array)', json('array'), (v) => Array.isArray(v)],
  ['json(object)', json('object'), (v) => typeof v === 'object' && v !== null && !Array.isArray(v)],
];

/** Malformed shapes found so far, kept as cases: each was once accepted or answered badly. */
const REGRESSIONS: [string, string, string, Parse][] = [
  ['read as Infinity', 'duration', `${'9'.repeat(400)}s`, duration],
  ['read as Infinity', 'byteSize', `${'9'.repeat(400)}MB`, byteSize],
  ['past 2^53 bytes', 'byteSize', '99999999999GB', byteSize],
  ['past 2^53: another number', 'positiveInt', '99999999999999999999', positiveInt],
  ['Number("") is 0', 'priority', '', priority],
  ['Number(" ") is 0', 'priority', ' ', priority],
  ['Number("0x5") is 5', 'priority', '0x5', priority],
  ['Number("5e0") is 5', 'priority', '5e0', priority],
  ['a newline in the message', 'queueList', 'a\nb', queueList],
  ['a newline in the message', 'positiveInt', '1\n2', positiveInt],
  ['a newline in the message', 'port', '80\n81', port],
  ['JSON.parse quotes the input, newline and all', 'json(array)', 'a\nb', json('array')],
  ['a lone carriage return', 'json(object)', ',\r', json('object')],
];

describe('CLI option parsers, fuzzed', () => {
  it.each(PARSERS)(
    '%s: any text parses into its domain or is refused in one line',
    (_n, parse, inDomain) => {
      fc.assert(
        fc.property(typed, (input) => {
          parsesOrRefuses(parse, input, inDomain);
        }),
        runs,
      );
    },
  );

  it.each(REGRESSIONS)('regression (%s): %s refuses it in one line', (_why, name, input, parse) => {
    const inDomain = PARSERS.find(([n]) => n === name)?.[2] as (value: unknown) => boolean;
    parsesOrRefuses(parse, input, inDomain);
    expect(() => parse(input)).toThrow(InvalidArgumentError);
  });

  it('duration: a number and unit written out read back as that many milliseconds', () => {
    const whole = fc.tuple(fc.nat({ max: 10 ** 9 }), fc.constantFrom(...Object.keys(MS)));
    fc.assert(
      fc.property(whole, fc.constantFrom('', ' '), ([n, unit], space) => {
        expect(duration(`${n}${space}${unit}`)).toBe(n * (MS[unit] as number));
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 6 }), fc.nat({ max: 999 }), (n, frac) => {
        const text = `${n}.${String(frac).padStart(3, '0')}`;
        expect(duration(`${text}s`)).toBe(Math.round(Number(text) * 1000));
      }),
      runs,
    );
  });

  it('byteSize: a size written out reads back as its bytes, any case of the unit', () => {
    const size = fc.tuple(
      fc.integer({ min: 1, max: 10 ** 6 }),
      fc.constantFrom(...Object.keys(BYTES)),
    );
    fc.assert(
      fc.property(size, fc.boolean(), ([n, unit], upper) => {
        const written = `${n}${upper ? unit.toUpperCase() : unit}`;
        expect(byteSize(written)).toBe(n * (BYTES[unit] as number));
      }),
      runs,
    );
  });

  it('integers, ports, priorities and queue lists read back what was written', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(positiveInt(String(n))).toBe(n);
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (n) => {
        expect(port(String(n))).toBe(n);
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), (n) => {
        expect(priority(String(n))).toBe(n);
      }),
      runs,
    );
    const names = fc.array(fc.stringMatching(QUEUE), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(names, (list) => {
        expect(queueList(list.join(' , '))).toEqual(list);
      }),
      runs,
    );
  });

  it('json: any JSON array or object reads back equal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const shape = Array.isArray(value) ? 'array' : 'object';
        const isObject = typeof value === 'object' && value !== null;
        if (isObject) expect(json(shape)(text)).toEqual(JSON.parse(text));
        else expect(() => json('object')(text)).toThrow(InvalidArgumentError);
      }),
      runs,
    );
  });

  it('--autoscale: max,min reads back, anything else is a one-line RangeError', () => {
    const pair = fc
      .integer({ min: 1, max: 10_000 })
      .chain((min) => fc.tuple(fc.integer({ min, max: 10_000 }), fc.constant(min)));
    fc.assert(
      fc.property(pair, ([max, min]) => {
        expect(parseAutoscale(`${max},${min}`)).toEqual({ max, min });
      }),
      runs,
    );
    const inDomain = (v: unknown) => {
      const { max, min } = v as { max: number; min: number };
      return Number.isSafeInteger(max) && Number.isSafeInteger(min) && min >= 1 && max >= min;
    };
    const text = fc.oneof(
      typed,
      fc.tuple(typed, typed).map(([a, b]) => `${a},${b}`),
    );
    fc.assert(
      fc.property(text, (input) => {
        parsesOrRefuses(parseAutoscale, input, inDomain, RangeError);
      }),
      runs,
    );
    for (const input of ['99999999999999999999,1', '3,5', '0,0', ' 1,1\n2', '1,1\n']) {
      parsesOrRefuses(parseAutoscale, input, inDomain, RangeError);
    }
    expect(() => parseAutoscale('99999999999999999999,1')).toThrow(RangeError);
  });
});

describe('CLI options through commander: the error names the option', () => {
  const command = () =>
    new Command('probe')
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
      .option('-c, --concurrency <n>', '', positiveInt)
      .option('--countdown <duration>', '', duration)
      .option('--max-memory <size>', '', byteSize)
      .option('--port <port>', '', port)
      .option('--priority <0-9>', '', priority)
      .option('-Q, --queues <list>', '', queueList)
      .addOption(logLevelOption());
  const FLAGS = [
    '--concurrency',
    '--countdown',
    '--max-memory',
    '--port',
    '--priority',
    '--queues',
    '--loglevel',
  ];
  const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

  it('any value of any option is taken or refused with a CommanderError naming the flag', () => {
    const value = fc.oneof(typed, fc.constantFrom(...LEVELS));
    fc.assert(
      fc.property(fc.constantFrom(...FLAGS), value, (flag, text) => {
        const cmd = command();
        try {
          cmd.parse([flag, text], { from: 'user' });
        } catch (error) {
          expect(error).toBeInstanceOf(CommanderError);
          const { code, message } = error as CommanderError;
          expect(['commander.invalidArgument', 'commander.optionMissingArgument']).toContain(code);
          expect(message).toContain(flag);
          return;
        }
        if (flag === '--loglevel') expect(LEVELS).toContain(cmd.opts().loglevel);
      }),
      runs,
    );
  });
});
