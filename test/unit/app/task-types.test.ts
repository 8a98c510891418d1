import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AsyncResult,
  createApp,
  type Task,
  type TaskArgs,
  type TaskContext,
  type TaskResult,
} from '../../../src/index.ts';

// These tests are checked by `tsc --noEmit`: a wrong type fails the build. They also run, in
// eager mode, so the lines marked @ts-expect-error show what a mistake would do at run time.
const app = createApp({ broker: 'memory://', eager: true, logLevel: 'silent' }, {});
afterAll(() => app.close());

const add = app.task('types.add', (_ctx, a: number, b: number) => a + b);
const greet = app.task('types.greet', { retry: { max: 0 } }, async (_ctx, name: string) => ({
  greeting: `hello ${name}`,
}));
const nothing = app.task('types.nothing', () => {});
const optional = app.task('types.optional', (_ctx, a: string, b?: number) => `${a}${b ?? ''}`);
const rest = app.task('types.rest', (_ctx, ...xs: number[]) => xs.length);

describe('task types', () => {
  it('derives the handle type from the handler', () => {
    expectTypeOf(add).toEqualTypeOf<Task<[number, number], number>>();
    expectTypeOf(greet).toEqualTypeOf<Task<[string], { greeting: string }>>();
    expectTypeOf(nothing).toEqualTypeOf<Task<[], void>>();
    expectTypeOf<TaskArgs<typeof add>>().toEqualTypeOf<[number, number]>();
    expectTypeOf<TaskResult<typeof greet>>().toEqualTypeOf<{ greeting: string }>();
    expectTypeOf(add.taskName).toEqualTypeOf<string>();
  });

  it('gives the handler a TaskContext first', () => {
    app.task('types.ctx', (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
      expectTypeOf(ctx.retries).toEqualTypeOf<number>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(ctx.retry).returns.toBeNever();
      return ctx.id;
    });
  });

  it('checks the arguments of delay', async () => {
    expectTypeOf(add.delay).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(add.delay).returns.toEqualTypeOf<Promise<AsyncResult<number>>>();
    await add.delay(1, 2);
    // @ts-expect-error a string where a number is expected
    await add.delay('x', 1);
    // @ts-expect-error one argument too few
    await add.delay(1);
    // @ts-expect-error one argument too many
    await add.delay(1, 2, 3);
    await optional.delay('a');
    await optional.delay('a', 1);
    await rest.delay();
    await rest.delay(1, 2, 3);
    // @ts-expect-error a string in a rest of numbers
    await rest.delay(1, '2');
  });

  it('types the value of get() as the handler result', async () => {
    const sum = await (await add.delay(1, 2)).get();
    expectTypeOf(sum).toEqualTypeOf<number>();
    // @ts-expect-error a number is not a string
    const asString: string = sum;
    void asString;
  });

  it('unwraps the promise of an async handler', async () => {
    const result = await greet.delay('ada');
    expectTypeOf(result).toEqualTypeOf<AsyncResult<{ greeting: string }>>();
    const value = await result.get();
    expectTypeOf(value).toEqualTypeOf<{ greeting: string }>();
    expectTypeOf(value.greeting).toEqualTypeOf<string>();
    expectTypeOf(await greet('bob')).toEqualTypeOf<{ greeting: string }>();
  });

  it('checks the argument tuple of applyAsync', async () => {
    expectTypeOf(add.applyAsync).parameter(0).toEqualTypeOf<[number, number]>();
    await add.applyAsync([1, 2], { countdown: '1s', priority: 5, queue: 'q' });
    await add.applyAsync([1, 2]);
    // @ts-expect-error a string in the tuple
    await add.applyAsync([1, '2']);
    // @ts-expect-error the tuple is too short
    await add.applyAsync([1]);
    // @ts-expect-error arguments must be a tuple, not spread
    await expect(add.applyAsync(1, 2)).rejects.toThrow('args of "types.add" must be an array');
    // @ts-expect-error an unknown option
    await add.applyAsync([1, 2], { countdwon: 5 });
  });

  it('checks direct calls', async () => {
    expectTypeOf(add).toBeCallableWith(1, 2);
    expectTypeOf(add(1, 2)).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error a string where a number is expected
    await add('1', 2).catch(() => undefined);
  });

  it('types sendTask and asyncResult by the caller', async () => {
    expectTypeOf(await app.sendTask<number>('types.add', [1, 2])).toEqualTypeOf<
      AsyncResult<number>
    >();
    expectTypeOf(await app.sendTask('types.add', [1, 2])).toEqualTypeOf<AsyncResult<unknown>>();
    expectTypeOf(app.asyncResult<string>('id')).toEqualTypeOf<AsyncResult<string>>();
  });

  it('checks task options', () => {
    const register = () => {
      // @ts-expect-error an unknown option
      app.task('types.bad', { retires: 3 }, () => 1);
      // @ts-expect-error retry.backoff is a name or a function
      app.task('types.bad2', { retry: { backoff: 'linear' } }, () => 1);
    };
    // Not called: the options are refused at run time too.
    expectTypeOf(register).toBeFunction();
  });
});
