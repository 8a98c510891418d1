import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PayloadTooLarge } from '../../src/index.ts';
import { BROKERS, counts, deadReasons, events, harness } from './harness.ts';

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('valid JSON');
}

function envelope(task: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  return {
    v: 1,
    id,
    task,
    args: [],
    queue: 'default',
    retries: 0,
    rootId: id,
    parentId: null,
    ...extra,
  };
}

describe.each(BROKERS)('bad input on the %s broker', (kind) => {
  const h = harness(kind);

  it('dead-letters malformed and unknown messages while good tasks keep flowing', async () => {
    const app = h.app();
    let ran = 0;
    const good = app.task('good', (_ctx, n: number) => {
      ran++;
      return n;
    });
    const { task: _omitted, ...lacksTask } = envelope('x');
    const bad = [
      { id: 'not-json', body: encode('not json') },
      { id: 'no-task', body: encode(lacksTask) },
      { id: 'unknown', body: encode(envelope('nope')) },
      { id: 'bad-utf8', body: new Uint8Array([0x7b, 0xff, 0x7d]) },
      { id: 'bad-retries', body: encode(envelope('good', { retries: -1 })) },
      { id: 'array', body: encode([1, 2, 3]) },
    ];
    // Good tasks before, between and after each bad message.
    const results = [];
    for (let i = 0; i < 20; i++) {
      results.push(await good.delay(i));
      const b = bad[i % 4 === 3 ? (i - 3) / 4 : -1];
      if (b) await app.broker.enqueue([{ id: b.id, queue: 'default', body: b.body }]);
    }
    await app.broker.enqueue(bad.slice(5).map((b) => ({ ...b, queue: 'default' })));
    expect(await counts(app)).toMatchObject({ ready: 26 });

    const worker = h.idleWorker(app, { concurrency: 3 });
    const succeeded = events(worker, 'task:succeeded', 20);
    const dead = events(worker, 'message:dead-lettered', bad.length);
    await worker.start();
    await Promise.all([succeeded, dead]);

    const values = await Promise.all(results.map((r) => r.get({ timeout: '10s' })));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(ran).toBe(20);
    const byId = Object.fromEntries(
      (await app.broker.listDeadLetters()).map((d) => [d.id, d.reason]),
    );
    expect(byId).toEqual({
      'not-json': `malformed message: body is not valid JSON (${jsonError('not json')})`,
      'no-task': 'malformed message: field "task" must be a non-empty string',
      unknown: 'unknown task "nope": it is not registered on this worker',
      'bad-utf8': 'malformed message: body is not valid UTF-8',
      'bad-retries': 'malformed message: field "retries" must be a non-negative integer, got -1',
      array: 'malformed message: expected an object',
    });
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: bad.length });
    // The dead letters keep their bodies, byte for byte.
    const notJson = (await app.broker.listDeadLetters()).find((d) => d.id === 'not-json');
    expect(new TextDecoder().decode(notJson?.body)).toBe('not json');
  });

  it('refuses an oversized payload before sending anything', async () => {
    const app = h.app();
    const store = app.task('reports.store', (_ctx, text: string) => text.length);
    const error = await store.delay('x'.repeat(300 * 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect((error as PayloadTooLarge).code).toBe('PAYLOAD_TOO_LARGE');
    expect((error as Error).message).toMatch(
      /^task "reports\.store" payload is 300(\.\d)? KiB, over the 256 KiB limit \(maxPayloadBytes\): pass ids \(a database key, an object-store path\) instead of the data itself$/,
    );
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    expect(await app.broker.queues()).toEqual([]);

    await h.worker(app);
    const ok = await store.delay('small');
    expect(await ok.get({ timeout: '10s' })).toBe(5);
  });

  it('applies a smaller maxPayloadBytes', async () => {
    const app = h.app({ maxPayloadBytes: 1000 });
    const store = app.task('store', (_ctx, text: string) => text.length);
    await expect(store.delay('y'.repeat(2000))).rejects.toThrow(
      /^task "store" payload is 2(\.\d)? KiB, over the 1000 B limit/,
    );
    expect(await deadReasons(app)).toEqual([]);
    expect(await counts(app)).toMatchObject({ ready: 0 });
  });
});
