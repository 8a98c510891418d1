import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENV_OVERRIDES } from '../../src/config/app-config.ts';
import {
  applyEnvOverrides,
  validateAppConfig,
  validateTaskOptions,
} from '../../src/config/validate-config.ts';
import { type AppConfig, ConfigError, MemoryBroker, type TaskOptions } from '../../src/index.ts';
import { parseDuration } from '../../src/time/duration.ts';
import { FUZZ_RUNS } from './fuzz-runs.ts';

const runs = { numRuns: FUZZ_RUNS };

/** Any JavaScript value, the odd ones included (BigInt, cycles aside, null prototypes, Maps…). */
const anyValue = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Odd values first: each breaks a naive check (String(), JSON.stringify, regex coercion). */
const oddValue = fc.oneof(
  anyValue,
  fc.constantFrom<unknown>(
    null,
    [],
    ['5s'],
    10n,
    Symbol('s'),
    Object.create(null),
    Number.NaN,
    -0,
    2 ** 60,
    '',
    '1e3',
    'a\nb',
    () => 1,
  ),
);

const APP_KEYS = [
  'broker',
  'backend',
  'eager',
  'defaultQueue',
  'routes',
  'maxPayloadBytes',
  'resultTtl',
  'ignoreResult',
  'serializer',
  'taskDefaults',
  'worker',
  'events',
  'logger',
  'logLevel',
  'logFormat',
];
const WORKER_KEYS = ['queues', 'concurrency', 'lease', 'shutdownTimeout', 'pollTimeout', 'pool'];
const TASK_KEYS = ['queue', 'priority', 'retry', 'timeLimit', 'expires', 'acksLate', 'rateLimit'];

/** Objects of known keys (and now and then an unknown one) with any values. */
function objectOf(keys: string[], value: fc.Arbitrary<unknown>) {
  const known = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 3 });
  const stray = fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), value, { maxKeys: 1 });
  return fc.oneof(
    known,
    fc.tuple(known, stray).map(([a, b]) => ({ ...b, ...a })),
  );
}

const configs = fc.oneof(
  oddValue,
  objectOf(APP_KEYS, oddValue),
  objectOf(APP_KEYS, oddValue).chain((base) =>
    objectOf(WORKER_KEYS, oddValue).map((worker) => ({ ...base, worker })),
  ),
  objectOf(APP_KEYS, oddValue).chain((base) =>
    objectOf(TASK_KEYS, oddValue).map((taskDefaults) => ({ ...base, taskDefaults })),
  ),
);

/** Passes, or throws a ConfigError whose one-line message names a key `named` accepts. */
function validOrConfigError(run: () => void, named: (key: string) => boolean): boolean {
  try {
    run();
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { key, message } = error as ConfigError;
    expect(message).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(message.startsWith(`invalid config "${key}": `)).toBe(true);
    expect(named(key), `key ${JSON.stringify(key)} of: ${message}`).toBe(true);
    return false;
  }
}

/** A key the error may name for `config`: a path under one of its own keys, or the whole config. */
const keyOf = (config: unknown) => (key: string) => {
  if (key === 'config') return true;
  const own = typeof config === 'object' && config !== null ? Object.keys(config) : [];
  const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(key)?.[1];
  const head = quoted === undefined ? key.split(/[.[]/)[0] : JSON.parse(quoted);
  return APP_KEYS.includes(head) || own.includes(head);
};

/** What a config that passed must hold: every value inside its documented domain. */
function expectInDomain(config: Record<string, unknown>): void {
  const worker = (config.worker ?? {}) as Record<string, unknown>;
  for (const n of [config.maxPayloadBytes, worker.concurrency]) {
    if (n !== undefined) expect(Number.isSafeInteger(n) && (n as number) >= 1).toBe(true);
  }
  for (const d of [config.resultTtl, worker.lease, worker.shutdownTimeout, worker.pollTimeout]) {
    if (d !== undefined) expect(parseDuration(d as string) >= 0).toBe(true);
  }
  for (const url of [config.broker, config.backend]) {
    if (url !== undefined && typeof url !== 'string') expect(typeof url).toBe('object');
  }
  if (config.broker !== null && typeof config.broker === 'object')
    expect(typeof (config.broker as MemoryBroker).enqueue).toBe('function');
  if (config.logLevel !== undefined) expect(typeof config.logLevel).toBe('string');
}

/** Malformed shapes found so far, kept as cases: each once threw another error or passed. */
const REGRESSIONS: [string, unknown][] = [
  ['a BigInt where a boolean goes (JSON.stringify threw a TypeError)', { eager: 10n }],
  ['a symbol log level (the template threw a TypeError)', { logLevel: Symbol('x') }],
  [
    'a null-prototype priority (String() threw)',
    { taskDefaults: { priority: Object.create(null) } },
  ],
  ['an array as a duration (read as its one string)', { resultTtl: ['5s'] }],
  ['an array as a size', { worker: { maxMemoryPerChild: ['200MB'] } }],
  ['a duration of 400 digits (read as Infinity)', { resultTtl: `${'9'.repeat(400)}s` }],
  ['a concurrency past 2^53', { worker: { concurrency: 2 ** 60 } }],
  ['null as the broker (the default broker was used)', { broker: null }],
  ['an array as the broker', { broker: [] }],
  ['an object that is no backend', { backend: { url: 'redis://x' } }],
  ['a number as the logger', { logger: 5 }],
  ['a serializer without decode', { serializer: { encode: () => new Uint8Array() } }],
  ['an array as the config', []],
  ['an array as worker options', { worker: [] }],
  ['a newline in an unknown key', { 'a\nb': 1 }],
  ['a newline in a route pattern', { routes: { 'a\nb': 'has space' } }],
  [
    'a circular value',
    (() => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      return { defaultQueue: loop };
    })(),
  ],
];

describe('config validator, fuzzed', () => {
  it('any config passes with every value in its domain, or is a one-line ConfigError naming the key', () => {
    fc.assert(
      fc.property(configs, (config) => {
        const passed = validOrConfigError(
          () => validateAppConfig(config as AppConfig),
          keyOf(config),
        );
        if (passed) expectInDomain(config as Record<string, unknown>);
      }),
      runs,
    );
  });

  it('task options: passes, or a ConfigError under the task’s own key', () => {
    const options = fc.oneof(oddValue, objectOf(TASK_KEYS, oddValue));
    fc.assert(
      fc.property(options, (value) => {
        validOrConfigError(
          () => validateTaskOptions(value as TaskOptions, "tasks['t']"),
          (key) => key.startsWith("tasks['t']"),
        );
      }),
      runs,
    );
  });

  it.each(REGRESSIONS)('regression: %s is a one-line ConfigError', (_why, config) => {
    expect(validOrConfigError(() => validateAppConfig(config as AppConfig), keyOf(config))).toBe(
      false,
    );
  });

  it('valid configs pass, and their durations read back as the numbers they were written from', () => {
    const unit = fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000]);
    const valid = fc.record({
      concurrency: fc.integer({ min: 1, max: 10_000 }),
      lease: fc.tuple(
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(['s', 1000], ['m', 60_000]),
      ),
      ttl: fc.tuple(fc.nat({ max: 10 ** 6 }), unit),
      queue: fc.stringMatching(/^[\w.:@-]{1,20}$/),
      priority: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(valid, ({ concurrency, lease, ttl, queue, priority }) => {
        const config: AppConfig = {
          broker: new MemoryBroker(),
          defaultQueue: queue,
          resultTtl: `${ttl[0]}${ttl[1][0]}`,
          taskDefaults: { priority, timeLimit: `${ttl[0]}${ttl[1][0]}` },
          worker: { concurrency, lease: `${lease[0]}${lease[1][0]}`, queues: [queue] },
        };
        validateAppConfig(config);
        expect(parseDuration(config.resultTtl as string)).toBe(ttl[0] * (ttl[1][1] as number));
        expect(parseDuration(config.worker?.lease as string)).toBe(
          lease[0] * (lease[1][1] as number),
        );
      }),
      runs,
    );
  });
});

describe('CELERIAC_* overrides, fuzzed', () => {
  const NAMES = Object.keys(ENV_OVERRIDES) as (keyof typeof ENV_OVERRIDES)[];
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(
      '0',
      '1',
      'true',
      '5s',
      '200MB',
      '99999999999999999999',
      'a,,b',
      'info',
      'json',
      'threads',
    ),
  );

  it('any value of any variable is applied inside its domain, or a ConfigError names the variable', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), text, (name, value) => {
        let merged: AppConfig | undefined;
        const passed = validOrConfigError(
          () => {
            merged = applyEnvOverrides({}, { [name]: value });
            validateAppConfig(merged);
          },
          (key) => key.startsWith(`${name} (${ENV_OVERRIDES[name]}`),
        );
        if (passed) expectInDomain(merged as Record<string, unknown>);
      }),
      runs,
    );
  });

  it('integers written out are applied as those integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const merged = applyEnvOverrides(
          {},
          { CELERIAC_CONCURRENCY: String(n), CELERIAC_MAX_PAYLOAD_BYTES: String(n) },
        );
        expect(merged.worker?.concurrency).toBe(n);
        expect(merged.maxPayloadBytes).toBe(n);
      }),
      runs,
    );
    expect(() => applyEnvOverrides({}, { CELERIAC_CONCURRENCY: '99999999999999999999' })).toThrow(
      'invalid config "CELERIAC_CONCURRENCY (worker.concurrency)": expected a positive integer, got 100000000000000000000',
    );
  });
});
