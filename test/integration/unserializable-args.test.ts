import { describe, expect, it } from 'vitest';
import { chain, UnserializableArgument } from '../../src/index.ts';
import { BROKERS_WITH_REDIS, counts, harness } from './harness.ts';

const REAL_BROKERS = BROKERS_WITH_REDIS.filter((kind) => kind !== 'memory');

describe.each(REAL_BROKERS)('arguments JSON cannot carry, on the %s broker', (kind) => {
  const h = harness(kind);

  it('a refused send stores nothing, and a valid send beside it runs with its values intact', async () => {
    const app = h.app();
    const received: unknown[][] = [];
    const sendEmail = app.task('send-email', (_ctx, to: string, options: unknown) => {
      received.push([to, options]);
      return to;
    });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const refused = [
      sendEmail.delay('a@example.com', { callback: () => 1 }),
      sendEmail.delay('a@example.com', { total: 10n }),
      sendEmail.delay('a@example.com', cycle),
      sendEmail.delayMany([
        ['b@example.com', {}],
        ['c@example.com', new Map()],
      ]),
      chain(
        sendEmail.s('d@example.com', {}),
        sendEmail.si('e@example.com', new Set()),
      ).applyAsync(),
    ];
    for (const send of refused) await expect(send).rejects.toBeInstanceOf(UnserializableArgument);
    expect(await counts(app)).toMatchObject({ ready: 0, reserved: 0, delayed: 0, dead: 0 });

    const when = new Date(Date.UTC(2030, 0, 1));
    const result = await sendEmail.delay('ok@example.com', { when, dropped: undefined, n: 1 });
    expect(await counts(app)).toMatchObject({ ready: 1 });
    await h.worker(app);
    expect(await result.get({ timeout: '10s' })).toBe('ok@example.com');
    expect(received).toEqual([['ok@example.com', { when: '2030-01-01T00:00:00.000Z', n: 1 }]]);
    expect(await counts(app)).toMatchObject({ ready: 0, reserved: 0, dead: 0 });
  });
});
