import { describe, expect, it } from 'vitest';
import { checkCarried, MAX_ARGUMENT_DEPTH } from '../../../src/app/json-carried.ts';
import { createApp, MemoryBroker, UnserializableArgument } from '../../../src/index.ts';

/** The error `checkCarried` raises for these args (and kwargs), or a failure when it raises none. */
function refusal(args: unknown[], kwargs?: Record<string, unknown>): UnserializableArgument {
  try {
    checkCarried('send-email', { args, kwargs });
  } catch (error) {
    expect(error).toBeInstanceOf(UnserializableArgument);
    return error as UnserializableArgument;
  }
  throw new Error('expected the values to be refused');
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Money {
  constructor(readonly cents: number) {}
  toJSON() {
    return { cents: this.cents };
  }
}

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;

describe('checkCarried: values JSON cannot carry are refused, naming the task and the path', () => {
  const cases: [string, unknown[], string][] = [
    ['a function', [1, { callback: () => 1 }], 'args[1].callback is a function'],
    ['a top-level function', [() => 1], 'args[0] is a function'],
    ['a symbol', [{ tag: Symbol('x') }], 'args[0].tag is a symbol'],
    ['a BigInt', [[1n]], 'args[0][0] is a BigInt'],
    ['a circular reference', [circular], 'args[0].self is a circular reference'],
    ['NaN', [{ total: Number.NaN }], 'args[0].total is NaN, which JSON carries as null'],
    ['Infinity', [Number.POSITIVE_INFINITY], 'args[0] is Infinity'],
    ['-Infinity', [[0, Number.NEGATIVE_INFINITY]], 'args[0][1] is -Infinity'],
    ['undefined as an argument', [1, undefined], 'args[1] is undefined'],
    ['undefined in an array', [[1, undefined, 3]], 'args[0][1] is undefined'],
    ['an array hole', [new Array(3)], 'args[0][0] is undefined'],
    ['a Map', [new Map([[1, 2]])], 'args[0] is a Map, which JSON carries as {}'],
    ['a Set', [{ ids: new Set([1]) }], 'args[0].ids is a Set, which JSON carries as {}'],
    ['a WeakMap', [new WeakMap()], 'args[0] is a WeakMap'],
    ['a WeakSet', [new WeakSet()], 'args[0] is a WeakSet'],
    ['a Uint8Array', [new Uint8Array(2)], 'args[0] is a Uint8Array'],
    ['a Buffer', [{ file: Buffer.from('hi') }], 'args[0].file is a Buffer'],
    ['an ArrayBuffer', [new ArrayBuffer(4)], 'args[0] is a ArrayBuffer'],
    ['a DataView', [new DataView(new ArrayBuffer(4))], 'args[0] is a DataView'],
    ['a RegExp', [/a+/], 'args[0] is a RegExp, which JSON carries as {}'],
    ['an Error', [new TypeError('boom')], 'args[0] is an Error (TypeError)'],
    ['a Promise', [Promise.resolve(1)], 'args[0] is a Promise'],
    ['a class instance', [new Point(1, 2)], 'args[0] is an instance of Point without toJSON'],
    ['a boxed primitive', [Object(1)], 'args[0] is an instance of Number without toJSON'],
    ['an invalid Date', [new Date(Number.NaN)], 'args[0] is an invalid Date'],
    ['an odd key', [{ 'odd key': [() => 1] }], 'args[0]["odd key"][0] is a function'],
  ];

  it.each(cases)('refuses %s', (_kind, args, text) => {
    const error = refusal(args);
    expect(error.message).toContain(`task "send-email": ${text}`);
    expect(error.code).toBe('UNSERIALIZABLE_ARGUMENT');
    expect(error.task).toBe('send-email');
  });

  it('names kwargs and headers by their own paths', () => {
    expect(refusal([], { total: 10n }).message).toBe(
      'task "send-email": kwargs.total is a BigInt, which JSON cannot carry (send it as a string)',
    );
    expect(refusal([], { total: 10n }).path).toBe('kwargs.total');
    expect(() =>
      checkCarried('t', { args: [], headers: { trace: { span: () => 1 } } }),
    ).toThrowError('task "t": headers.trace.span is a function');
  });

  it('refuses nesting deeper than the limit, without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_ARGUMENT_DEPTH + 5; i++) deep = [deep];
    expect(refusal([deep]).message).toMatch(/is nested more than 1000 levels deep$/);
  });

  it('numbers the call of a batch', () => {
    expect(() => checkCarried('t', { args: [1n] }, 3)).toThrowError(
      'task "t" (call 3 of the batch): args[0] is a BigInt',
    );
  });
});

describe('checkCarried: values JSON carries are accepted', () => {
  it('accepts JSON values, toJSON objects, shared (not circular) references and dropped undefined fields', () => {
    const shared = { a: 1 };
    const accepted = [
      null,
      true,
      'text',
      -0.5,
      Number.MAX_VALUE,
      [1, [2, [3]]],
      { nested: { list: ['x', null] } },
      Object.assign(Object.create(null), { bare: 1 }),
      new Date(0),
      new Money(5),
      [shared, shared],
      { optional: undefined },
    ];
    expect(() =>
      checkCarried('t', { args: accepted, kwargs: { a: undefined, b: [] } }),
    ).not.toThrow();
  });

  it('carries the accepted values as JSON would: dates as ISO strings, undefined fields dropped', () => {
    const args = [new Date(0), { optional: undefined, kept: 1 }];
    checkCarried('t', { args });
    expect(JSON.parse(JSON.stringify(args))).toEqual(['1970-01-01T00:00:00.000Z', { kept: 1 }]);
  });
});

describe('every send path refuses, before the broker is touched', () => {
  const setup = () => {
    const broker = new MemoryBroker();
    const app = createApp({ broker, logLevel: 'silent' }, {});
    const task = app.task('send-email', (_ctx, _to: unknown, _options?: unknown) => 'sent');
    const other = app.task('other', (_ctx, ..._args: unknown[]) => 'ok');
    return { app, broker, task, other };
  };

  it('delay, applyAsync (args and kwargs), delayMany and sendTask', async () => {
    const { app, broker, task } = setup();
    await expect(task.delay('a@b', { callback: () => 1 })).rejects.toThrowError(
      'task "send-email": args[1].callback is a function, which JSON cannot carry',
    );
    await expect(task.applyAsync(['a@b'], { kwargs: { total: 1n } })).rejects.toThrowError(
      'task "send-email": kwargs.total is a BigInt',
    );
    await expect(task.delayMany([['a'], ['b', new Map()]])).rejects.toThrowError(
      'task "send-email" (call 1 of the batch): args[1] is a Map',
    );
    await expect(app.sendTask('send-email', [Number.NaN])).rejects.toThrowError(
      'task "send-email": args[0] is NaN',
    );
    expect((await broker.stats('default')).ready).toBe(0);
  });

  it('workflows: a later chain step, a link and a chord body', async () => {
    const { broker, task, other } = setup();
    const { chain, chord } = await import('../../../src/index.ts');
    await expect(chain(task.s('a@b'), other.s(new Set([1]))).applyAsync()).rejects.toThrowError(
      'task "other": args[0] is a Set',
    );
    await expect(task.applyAsync(['a@b'], { link: other.s(() => 1) })).rejects.toThrowError(
      'task "other": args[0] is a function',
    );
    await expect(
      chord([task.s('a@b')], other.s({ when: new Date(Number.NaN) })).applyAsync(),
    ).rejects.toThrowError('task "other": args[0].when is an invalid Date');
    expect((await broker.stats('default')).ready).toBe(0);
  });

  it('beat entries, when they are declared', () => {
    const { app, task, other } = setup();
    expect(() =>
      app.schedule('nightly', { every: '1h' }, task.s('a@b'), { args: [1n] }),
    ).toThrowError(`invalid config "beat['nightly'].args": task "send-email": args[0] is a BigInt`);
    expect(() => app.schedule('hourly', { every: '1h' }, other.s(circular))).toThrowError(
      `invalid config "beat['hourly'].signature": task "other": args[0].self is a circular reference`,
    );
  });

  it('eager mode refuses too, so unit tests see what a worker would', async () => {
    const app = createApp({ eager: true, logLevel: 'silent' }, {});
    const task = app.task('send-email', (_ctx, _callback: unknown) => 'sent');
    await expect(task.delay(() => 1)).rejects.toThrowError('args[0] is a function');
  });
});
