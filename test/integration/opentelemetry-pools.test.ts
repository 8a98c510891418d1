import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/index.ts';
import { until } from '../e2e/e2e-env.ts';
import type { SpanLine } from './fixtures/traced-pool-tasks.ts';

const FIXTURE = new URL('./fixtures/traced-pool-tasks.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'celeriac-otel-pools-'));
const spansFile = join(dir, 'spans.jsonl');
// Set before the fixture loads, here and in every child the pools start.
process.env.TRACED_POOL_BROKER = `sqlite://${join(dir, 'broker.db')}`;
process.env.TRACED_POOL_BACKEND = `sqlite://${join(dir, 'results.db')}`;
process.env.TRACED_POOL_SPANS = spansFile;
const tasks = await import('./fixtures/traced-pool-tasks.ts');
const { app } = tasks;
const GET = { timeout: 20_000 };

/** Every span written so far, by this process and by the pool's children. */
const spans = (): SpanLine[] =>
  existsSync(spansFile)
    ? readFileSync(spansFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SpanLine)
    : [];

/** The spans named `name` of the message `id`, once `count` of them are written. */
const spansOf = async (name: string, id: string, count = 1): Promise<SpanLine[]> => {
  const matching = () =>
    spans().filter((s) => s.name === name && s.attributes['messaging.message.id'] === id);
  await until(() => matching().length >= count, `${count} "${name}" span(s) of ${id}`, 20_000);
  return matching();
};

/** Runs `body` inside a new active root span, as a web request would. */
const inRootSpan = <T>(body: () => Promise<T>): Promise<T> =>
  trace.getTracer('test').startActiveSpan('request', async (span) => {
    try {
      return await body();
    } finally {
      span.end();
    }
  });

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['threads', 'process'] as const)('OpenTelemetry with the %s pool', (pool) => {
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await app.broker.purge('traced');
  });
  const start = async () => {
    worker = app.worker({ pool, appModule: FIXTURE, concurrency: 1, pollTimeout: 200 });
    await worker.start();
  };
  /** True when a span was ended in a pool child, not in this test's thread. */
  const inChild = (span: SpanLine) =>
    pool === 'threads' ? span.pid === process.pid && span.thread !== 0 : span.pid !== process.pid;

  it("records the attempt's span in the child, in the sender's trace", async () => {
    await start();
    const result = await inRootSpan(() => tasks.add.delay(2, 3));
    expect(await result.get(GET)).toBe(5);
    const [send] = await spansOf('send traced.add', result.id);
    const [run] = await spansOf('process traced.add', result.id);
    expect(send?.pid).toBe(process.pid);
    expect(run && inChild(run)).toBe(true);
    expect(run).toMatchObject({ traceId: send?.traceId, parent: send?.spanId });
    expect(run?.status).toBe(SpanStatusCode.UNSET);
  });

  it('marks a failed attempt in the child as an error', async () => {
    await start();
    const result = await inRootSpan(() => tasks.fail.delay());
    await expect(result.get(GET)).rejects.toThrow('out of range');
    const [run] = await spansOf('process traced.fail', result.id);
    expect(run && inChild(run)).toBe(true);
    expect(run).toMatchObject({
      status: SpanStatusCode.ERROR,
      attributes: { 'celeriac.task.outcome': 'failure', 'error.type': 'RangeError' },
    });
  });

  it("keeps a chain's next step, sent by the worker, in the trace, under the first send", async () => {
    await start();
    const result = await inRootSpan(() => tasks.twoSteps().applyAsync());
    expect(await result.get(GET)).toBe(13);
    const [nextSend] = await spansOf('send traced.add', result.id);
    const [nextRun] = await spansOf('process traced.add', result.id);
    const [firstSend, other] = spans().filter(
      (s) =>
        s.name === 'send traced.add' &&
        s.traceId === nextSend?.traceId &&
        s.spanId !== nextSend.spanId,
    );
    expect(other).toBeUndefined();
    // The first step ran in a child; the worker that sends the next one hangs it on the send
    // it received, which is in the message.
    expect(nextSend).toMatchObject({ traceId: firstSend?.traceId, parent: firstSend?.spanId });
    expect(nextRun).toMatchObject({ traceId: firstSend?.traceId, parent: nextSend?.spanId });
  });
});
