import { createApp, Reject } from '../../src/index.ts';

// The embedded SQLite broker and result backend share one file: no server to run.
const DB = 'sqlite://.celeriac/demo/celeriac.db';

export const app = createApp({
  broker: DB,
  backend: DB,
  defaultQueue: 'demo',
  taskDefaults: { retry: { max: 3, base: 200, jitter: false } },
});

/** A plain task: its types flow to `add.delay(...)` and to the result. */
export const add = app.task('demo.add', (_ctx, a: number, b: number) => a + b);

/** Fails on its first two attempts (a flaky network, say), then succeeds. */
export const flakyFetch = app.task('demo.flaky_fetch', async (ctx, url: string) => {
  if (ctx.retries < 2) throw new Error(`connection reset while fetching ${url}`);
  return { url, status: 200, attempts: ctx.retries + 1 };
});

/** Always fails: after its retries it lands in the dead-letter queue. */
export const chargeCard = app.task(
  'demo.charge_card',
  { retry: { max: 2, base: 100, jitter: false } },
  async (_ctx, cardId: string) => {
    throw new Error(`card ${cardId} declined by the issuer`);
  },
);

/** Rejects bad input outright: no retries, straight to the dead-letter queue. */
export const resizeImage = app.task('demo.resize_image', async (_ctx, width: number) => {
  if (width <= 0) throw new Reject(`width must be positive, got ${width}`);
  return `resized to ${width}px`;
});
