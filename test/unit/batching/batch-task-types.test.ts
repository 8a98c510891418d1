import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AsyncResult,
  type BatchContext,
  type BatchItem,
  createApp,
  Reject,
  type Task,
} from '../../../src/index.ts';

// Checked by `tsc --noEmit`; run in eager mode, where each send is a batch of one.
const app = createApp({ broker: 'memory://', eager: true, logLevel: 'silent' }, {});
afterAll(() => app.close());

interface Doc {
  title: string;
}

const index = app.batchTask(
  'types.index',
  { maxSize: 10, maxWait: '1s' },
  (_ctx, items: BatchItem<[doc: Doc, lang?: string]>[]) => ({
    results: items.map((item) => item.args[0].title.length),
  }),
);
const explicit = app.batchTask<[doc: Doc]>('types.explicit', { maxSize: 10 }, (_ctx, items) => {
  expectTypeOf(items).toEqualTypeOf<BatchItem<[doc: Doc]>[]>();
});

describe('batch task types', () => {
  it('types the handle from the items the handler declares', () => {
    expectTypeOf(index).toEqualTypeOf<Task<[doc: Doc, lang?: string], number>>();
    expectTypeOf(index.delay).returns.toEqualTypeOf<Promise<AsyncResult<number>>>();
    expectTypeOf(explicit).toEqualTypeOf<Task<[doc: Doc], unknown>>();
  });

  it('gives the handler a BatchContext and items with id, args and retries', () => {
    app.batchTask('types.ctx', {}, (ctx, items: BatchItem<[n: number]>[]) => {
      expectTypeOf(ctx).toEqualTypeOf<BatchContext>();
      expectTypeOf(items[0]?.id).toEqualTypeOf<string | undefined>();
      expectTypeOf(items[0]?.retries).toEqualTypeOf<number | undefined>();
    });
  });

  it('checks the arguments of delay, applyAsync and delayMany', async () => {
    await index.delay({ title: 'a' });
    await index.applyAsync([{ title: 'a' }, 'en'], { countdown: 0 });
    await index.delayMany([[{ title: 'a' }], [{ title: 'b' }]]);
    // @ts-expect-error a string where a Doc is expected
    await index.delay('x');
  });

  it('runs a batch of one in eager mode and when called directly', async () => {
    expect(await (await index.delay({ title: 'four' })).get()).toBe(4);
    expect(await index({ title: 'seven!!' })).toBe(7);
  });

  it('throws an item failure of a batch of one like a single task error', async () => {
    const strict = app.batchTask('types.strict', { retry: { max: 0 } }, (_ctx, items) => ({
      failed: items.map((item) => ({ id: item.id, error: new Reject('bad doc') })),
    }));
    await expect(strict('x')).rejects.toThrow('bad doc');
    await expect((await strict.delay('x')).get()).rejects.toThrow(
      /ended in FAILURE: Reject: bad doc/,
    );
  });
});
