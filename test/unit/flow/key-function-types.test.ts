import { describe, expectTypeOf, it } from 'vitest';
import { createApp, MemoryBroker } from '../../../src/index.ts';

const app = createApp({ broker: new MemoryBroker(), logLevel: 'silent' }, {});

describe('flow-control key functions are typed by the handler', () => {
  it('a key function may take only the first arguments; the task keeps all of them', () => {
    const report = app.task(
      'types.report',
      { concurrency: { key: (customer: string) => customer, limit: 3 } },
      (_ctx, customer: string, month: number) => `${customer}-${month}`,
    );
    expectTypeOf(report.delay).parameters.toEqualTypeOf<[customer: string, month: number]>();
  });

  it('a key parameter of the wrong type does not compile', () => {
    // @ts-expect-error the handler's first argument is a number.
    app.task('types.bad', { lock: { key: (id: string) => id } }, (_ctx, id: number) => id);
    app.task(
      'types.good',
      { unique: { key: (id: number) => `${id}`, ttl: '1m' } },
      (_ctx, id: number) => id,
    );
  });
});
