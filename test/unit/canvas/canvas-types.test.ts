import { describe, expectTypeOf, it } from 'vitest';
import {
  type AsyncResult,
  chain,
  chord,
  createApp,
  type GroupResult,
  group,
  MemoryBroker,
  type Signature,
} from '../../../src/index.ts';

const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' }, {});
const add = app.task('add', (_ctx, a: number, b: number) => a + b);
const label = app.task('label', (_ctx, n: number, unit: string) => `${n} ${unit}`);
const total = app.task('total', (_ctx, values: number[]) => values.reduce((a, b) => a + b, 0));

describe('workflow types flow from the handlers', () => {
  it('s() with every argument takes no value; a partial s() takes the missing first one', () => {
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<number, never>>();
    expectTypeOf(add.s(2)).toEqualTypeOf<Signature<number, number>>();
    expectTypeOf(add.si(1, 2)).toEqualTypeOf<Signature<number, unknown>>();
  });

  it('a chain gives the last step result type and checks each step against the one before', () => {
    expectTypeOf(chain(add.s(1, 2), label.s('kg'))).toExtend<{
      applyAsync(): Promise<AsyncResult<string>>;
    }>();
    // @ts-expect-error label's value is a string; add's missing first argument is a number.
    chain(label.s(1, 'kg'), add.s(2));
    // @ts-expect-error add.s(1, 2) has every argument: it cannot take the previous value.
    chain(add.s(1, 2), add.s(3, 4));
  });

  it('group results are typed position by position; a chord body takes them', () => {
    // Functions that are never called: the compiler checks their types, nothing is sent.
    const sendGroup = () => group([add.s(1, 2), label.s(1, 'kg')]).applyAsync();
    const sendChord = () => chord([add.s(1, 2), add.s(3, 4)], total.s()).applyAsync();
    const sendMap = () => total.map([[1], [2]]).applyAsync();
    const sendChunks = () => add.chunks([[1, 2]], 10).applyAsync();
    expectTypeOf<ReturnType<typeof sendGroup>>().toEqualTypeOf<
      Promise<GroupResult<[number, string]>>
    >();
    expectTypeOf<ReturnType<typeof sendChord>>().toEqualTypeOf<Promise<AsyncResult<number>>>();
    expectTypeOf<ReturnType<typeof sendMap>>().toEqualTypeOf<Promise<AsyncResult<number[]>>>();
    expectTypeOf<ReturnType<typeof sendChunks>>().toEqualTypeOf<Promise<GroupResult<number[][]>>>();
    expectTypeOf(add.map).parameters.toEqualTypeOf<[never[]]>();
  });
});
