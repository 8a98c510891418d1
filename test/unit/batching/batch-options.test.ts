import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/index.ts';

const app = createApp({ broker: 'memory://', logLevel: 'silent' }, {});
afterAll(() => app.close());
const noop = () => {};

describe('batch task options', () => {
  it.each([0, -1, 1.5, Number.NaN, '10'])('rejects maxSize %s', (maxSize) => {
    expect(() => app.batchTask('bad', { maxSize: maxSize as number }, noop)).toThrow(
      `invalid config "tasks['bad'].maxSize": expected a positive integer, got ${JSON.stringify(maxSize)}`,
    );
  });

  it('rejects an invalid maxWait', () => {
    expect(() => app.batchTask('bad', { maxWait: 'soon' }, noop)).toThrow(
      `invalid config "tasks['bad'].maxWait": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"`,
    );
    expect(() => app.batchTask('bad', { maxWait: -5 }, noop)).toThrow(
      `invalid config "tasks['bad'].maxWait": expected a non-negative number of milliseconds, got -5`,
    );
  });

  it('rejects acksLate: false, unknown options and a missing handler', () => {
    expect(() => app.batchTask('bad', { acksLate: false }, noop)).toThrow(
      `invalid config "tasks['bad'].acksLate": a batch task acks each message after its batch; acksLate: false is not supported`,
    );
    expect(() => app.batchTask('bad', { flushEvery: 3 } as never, noop)).toThrow(
      /^invalid config "tasks\['bad'\]\.flushEvery": unknown key/,
    );
    expect(() => app.batchTask('bad', {}, undefined as never)).toThrow(
      'batch task "bad" needs a handler function',
    );
  });

  it('registers with defaults maxSize 100 and maxWait 1s, acks late whatever the defaults', () => {
    const late = createApp(
      { broker: 'memory://', logLevel: 'silent', taskDefaults: { acksLate: false } },
      {},
    );
    late.batchTask('ok', {}, noop);
    const task = late.registry.get('ok');
    expect(task.batch).toMatchObject({ maxSize: 100, maxWaitMs: 1000 });
    expect(task.options.acksLate).toBe(true);
  });
});
