import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Reject } from '../../src/index.ts';
import { sentry } from '../../src/integrations/sentry/index.ts';
import { harness, once } from './harness.ts';

/** An event as the SDK hands it to the transport (the fields these tests read). */
interface SentEvent {
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown>>;
  fingerprint?: string[];
  exception?: { values?: { type?: string; value?: string; mechanism?: { type?: string } }[] };
}

const sent: SentEvent[] = [];

beforeAll(() => {
  // A real client whose transport keeps events in memory: nothing leaves the machine.
  Sentry.init({
    dsn: 'https://public@o0.ingest.sentry.io/0',
    defaultIntegrations: false,
    skipOpenTelemetrySetup: true,
    transport: () => ({
      send: async (envelope) => {
        for (const [header, payload] of envelope[1]) {
          if (header.type === 'event') sent.push(payload as SentEvent);
        }
        return {};
      },
      flush: async () => true,
    }),
  });
});

afterAll(() => Sentry.close());

/** The events sent so far, once the SDK has handed them all to the transport. */
const events = async (): Promise<SentEvent[]> => {
  await Sentry.flush(5_000);
  return sent;
};

describe('Sentry on the memory broker', () => {
  const h = harness('memory');
  beforeEach(() => {
    sent.length = 0;
  });

  it('reports a task that failed for good once, with its tags, args and fingerprint', async () => {
    const app = h.app().use(sentry(Sentry));
    const charge = app.task(
      'billing.charge',
      { retry: { max: 0 } },
      (_ctx, _customer: string, _amount: { cents: number }) => {
        throw new TypeError('card declined');
      },
    );
    await h.worker(app);
    const result = await charge.delay('acme', { cents: 1200 });
    await expect(result.get({ timeout: '10s' })).rejects.toThrow('card declined');

    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(event?.tags).toEqual({
      'celeriac.task': 'billing.charge',
      'celeriac.task_id': result.id,
      'celeriac.queue': 'default',
      'celeriac.retries': '0',
    });
    expect(event?.contexts?.celeriac).toMatchObject({
      task: 'billing.charge',
      id: result.id,
      args: "[ 'acme', { cents: 1200 } ]",
      retries: 0,
      outcome: 'failure (exhausted)',
    });
    expect(event?.fingerprint).toEqual(['celeriac', 'billing.charge', 'TypeError']);
    expect(event?.exception?.values?.[0]).toMatchObject({
      type: 'TypeError',
      value: 'card declined',
      mechanism: { type: 'celeriac' },
    });
  });

  it('reports nothing for a task that succeeds', async () => {
    const app = h.app().use(sentry(Sentry));
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await h.worker(app);
    expect(await (await add.delay(1, 2)).get({ timeout: '10s' })).toBe(3);
    expect(await events()).toEqual([]);
  });

  it('reports a retried task once, when its last attempt fails', async () => {
    const app = h.app().use(sentry(Sentry));
    const flaky = app.task('flaky', { retry: { max: 2, base: 5, jitter: false } }, () => {
      throw new Error('still down');
    });
    const worker = await h.worker(app);
    const failed = once(worker, 'task:failed');
    const result = await flaky.delay();
    await expect(result.get({ timeout: '10s' })).rejects.toThrow('still down');
    await failed;
    const reported = await events();
    expect(reported.map((event) => event.tags?.['celeriac.retries'])).toEqual(['2']);
  });

  it('reports every attempt with captureRetries', async () => {
    const app = h.app().use(sentry(Sentry, { captureRetries: true }));
    const flaky = app.task('flaky', { retry: { max: 2, base: 5, jitter: false } }, () => {
      throw new Error('still down');
    });
    await h.worker(app);
    await expect((await flaky.delay()).get({ timeout: '10s' })).rejects.toThrow('still down');
    const reported = await events();
    expect(reported.map((event) => event.tags?.['celeriac.retries'])).toEqual(['0', '1', '2']);
    expect(reported.map((event) => event.contexts?.celeriac?.outcome)).toEqual([
      'retry',
      'retry',
      'failure (exhausted)',
    ]);
  });

  it('shortens long arguments to about 1 KiB', async () => {
    const app = h.app().use(sentry(Sentry));
    const store = app.task('store', (_ctx, _blob: string) => {
      throw new Reject('no room');
    });
    await h.worker(app);
    await expect((await store.delay('x'.repeat(10_000))).get({ timeout: '10s' })).rejects.toThrow(
      'no room',
    );
    const [event] = await events();
    const args = String(event?.contexts?.celeriac?.args);
    expect(args).toHaveLength(1024);
    expect(args.startsWith("[ 'xxx")).toBe(true);
    expect(args.endsWith('…')).toBe(true);
    expect(event?.contexts?.celeriac?.outcome).toBe('failure (rejected)');
  });
});

describe('sentry() bad input', () => {
  it('says what it expects when given no SDK', () => {
    expect(() => sentry(undefined as never)).toThrow(
      new TypeError(
        "sentry(Sentry): expected the Sentry SDK (import * as Sentry from '@sentry/node'), with withScope and captureException functions; got undefined",
      ),
    );
    expect(() => sentry({} as never)).toThrow('got an object without them');
  });

  it('refuses a nonsense args length', () => {
    expect(() => sentry(Sentry, { maxArgsLength: 0 })).toThrow(
      'sentry(): maxArgsLength must be an integer of at least 16, got 0',
    );
  });
});
