import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { chain, createApp } from '../../src/index.ts';
import { loadOpenTelemetryApi, openTelemetry } from '../../src/integrations/opentelemetry/index.ts';
import { idsOf, registerTracing } from '../support/otel-globals.ts';
import { harness } from './harness.ts';

const tracing = registerTracing();
const exporter = tracing.exporter as InMemorySpanExporter;
const tracer = trace.getTracer('test');
const GET = { timeout: '10s' };

afterAll(() => tracing.unregister());

/** The finished spans named `name`, oldest first. */
const spansNamed = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.name === name);

/** The one finished span named `name`. */
const spanNamed = (name: string): ReadableSpan => {
  const spans = spansNamed(name);
  expect(spans, `spans named "${name}"`).toHaveLength(1);
  return spans[0] as ReadableSpan;
};

/** Runs `body` inside a new active root span, ended afterwards, as a web request would. */
const inRootSpan = <T>(name: string, body: () => Promise<T>): Promise<T> =>
  tracer.startActiveSpan(name, async (span) => {
    try {
      return await body();
    } finally {
      span.end();
    }
  });

describe('OpenTelemetry on the memory broker', () => {
  const h = harness('memory');
  beforeEach(() => exporter.reset());

  /** An app with tracing installed. */
  const tracedApp = () => openTelemetry().install(h.app());

  it("puts the send and the worker's attempt in the caller's trace, parent to child", async () => {
    const app = tracedApp();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await h.worker(app, { name: 'w1@test' });
    const result = await inRootSpan('request', () => add.delay(2, 3));
    expect(await result.get(GET)).toBe(5);

    const root = idsOf(spanNamed('request'));
    const send = spanNamed('send add');
    const run = spanNamed('process add');
    expect(idsOf(send)).toMatchObject({ traceId: root.traceId, parent: root.spanId });
    expect(idsOf(run)).toMatchObject({ traceId: root.traceId, parent: idsOf(send).spanId });
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(run.kind).toBe(SpanKind.CONSUMER);
    expect(send.attributes).toEqual({
      'messaging.system': 'celeriac',
      'messaging.destination.name': 'default',
      'messaging.message.id': result.id,
      'messaging.message.conversation_id': result.id,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'celeriac.task.name': 'add',
    });
    expect(run.attributes).toMatchObject({
      'messaging.system': 'celeriac',
      'messaging.destination.name': 'default',
      'messaging.message.id': result.id,
      'messaging.operation.type': 'process',
      'messaging.client.id': expect.stringMatching(/^celeriac@/),
      'celeriac.task.name': 'add',
      'celeriac.task.retries': 0,
      'celeriac.task.outcome': 'success',
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks failed and retried attempts as errors, each a child of the one send', async () => {
    const app = tracedApp();
    const flaky = app.task('flaky', { retry: { max: 1, base: 5, jitter: false } }, () => {
      throw new TypeError('disk on fire');
    });
    await h.worker(app);
    const result = await inRootSpan('request', () => flaky.delay());
    await expect(result.get(GET)).rejects.toThrow('disk on fire');

    const send = idsOf(spanNamed('send flaky'));
    const attempts = spansNamed('process flaky');
    expect(attempts.map((span) => span.attributes['celeriac.task.outcome'])).toEqual([
      'retry',
      'failure',
    ]);
    for (const [retries, attempt] of attempts.entries()) {
      expect(idsOf(attempt)).toMatchObject({ traceId: send.traceId, parent: send.spanId });
      expect(attempt.attributes).toMatchObject({
        'celeriac.task.retries': retries,
        'error.type': 'TypeError',
      });
      expect(attempt.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk on fire' });
      const [event] = attempt.events;
      expect(event?.name).toBe('exception');
      expect(event?.attributes).toMatchObject({
        'exception.type': 'TypeError',
        'exception.message': 'disk on fire',
      });
    }
  });

  it("nests the handler's own spans and sends under the attempt's span", async () => {
    const app = tracedApp();
    const child = app.task('child', () => 'done');
    const parent = app.task('parent', async () => {
      await tracer.startActiveSpan('query', async (span) => {
        await child.delay();
        span.end();
      });
      return 'sent';
    });
    await h.worker(app, { concurrency: 2 });
    const result = await inRootSpan('request', () => parent.delay());
    expect(await result.get(GET)).toBe('sent');
    await expect.poll(() => spansNamed('process child').length).toBe(1);

    const traceId = idsOf(spanNamed('request')).traceId;
    const attempt = idsOf(spanNamed('process parent'));
    const query = idsOf(spanNamed('query'));
    const sendChild = idsOf(spanNamed('send child'));
    expect(query).toMatchObject({ traceId, parent: attempt.spanId });
    expect(sendChild).toMatchObject({ traceId, parent: query.spanId });
    expect(idsOf(spanNamed('process child'))).toMatchObject({ traceId, parent: sendChild.spanId });
  });

  it("joins a chain's next step to the trace, under the step that sent it", async () => {
    const app = tracedApp();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await h.worker(app);
    const result = await inRootSpan('request', () => chain(add.s(1, 2), add.s(10)).applyAsync());
    expect(await result.get(GET)).toBe(13);
    await expect.poll(() => spansNamed('process add').length).toBe(2);

    const traceId = idsOf(spanNamed('request')).traceId;
    const [firstSend, nextSend] = spansNamed('send add').map(idsOf);
    const [firstRun, nextRun] = spansNamed('process add').map(idsOf);
    expect(firstRun).toMatchObject({ traceId, parent: firstSend?.spanId });
    // Sent after the first step ended, by the worker: under that step's span all the same.
    expect(nextSend).toMatchObject({ traceId, parent: firstRun?.spanId });
    expect(nextRun).toMatchObject({ traceId, parent: nextSend?.spanId });
  });

  it('keeps the headers given to a send, and overwrites stale trace headers', async () => {
    const app = tracedApp();
    const seen: Record<string, unknown>[] = [];
    const echo = app.task('echo', (ctx) => {
      seen.push({ ...ctx.headers });
    });
    await h.worker(app);
    const stale = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const headers = { tenant: 'acme', traceparent: stale, tracestate: 'old=1' };
    const results = await inRootSpan('request', () => echo.delayMany([[], []], { headers }));
    await Promise.all(results.map((result) => result.get(GET)));
    const sends = spansNamed('send echo').map(idsOf);
    expect(seen).toHaveLength(2);
    for (const header of seen) {
      expect(header.tenant).toBe('acme');
      expect(header.tracestate).toBeUndefined();
      const sentBy = sends.find(
        (send) => header.traceparent === `00-${send.traceId}-${send.spanId}-01`,
      );
      expect(sentBy, `traceparent ${String(header.traceparent)}`).toBeDefined();
    }
    // The caller's object is left as it was.
    expect(headers.traceparent).toBe(stale);
  });

  it('adds no trace headers to the messages of an app without it', async () => {
    const app = h.app();
    const seen: Record<string, unknown>[] = [];
    const echo = app.task('echo', (ctx) => {
      seen.push({ ...ctx.headers });
    });
    await h.worker(app);
    const result = await inRootSpan('request', () => echo.delay());
    await result.get(GET);
    expect(seen).toEqual([{}]);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['request']);
  });

  it("ends the send's span with the error when the broker call fails", async () => {
    const app = openTelemetry().install(h.app({ maxPayloadBytes: 1000 }));
    const echo = app.task('echo', (_ctx, text: string) => text);
    await expect(echo.delay('x'.repeat(2000))).rejects.toThrow('maxPayloadBytes');
    const send = spanNamed('send echo');
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.attributes['error.type']).toBe('PayloadTooLarge');
  });
});

describe('OpenTelemetry in eager mode', () => {
  beforeEach(() => exporter.reset());

  it("runs the task's span under the caller's span", async () => {
    const app = openTelemetry().install(createApp({ eager: true, logLevel: 'silent' }, {}));
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    const result = await inRootSpan('test', () => add.delay(1, 1));
    expect(await result.get()).toBe(2);
    const run = idsOf(spanNamed('process add'));
    expect(run.parent).toBe(idsOf(spanNamed('test')).spanId);
    expect(spansNamed('send add')).toEqual([]);
  });
});

describe('openTelemetry() bad input', () => {
  it('says how to install @opentelemetry/api when it cannot be loaded', () => {
    const missing = () => {
      throw new Error("Cannot find module '@opentelemetry/api'");
    };
    expect(() => loadOpenTelemetryApi(missing)).toThrow(
      "openTelemetry() needs the optional peer dependency @opentelemetry/api, which could not be loaded (Cannot find module '@opentelemetry/api'); install it beside celeriac: npm install @opentelemetry/api",
    );
  });

  it('refuses an api, a tracer or a provider that is not one', () => {
    expect(() => loadOpenTelemetryApi(() => ({ trace: {} }))).toThrow(
      'openTelemetry(): the api given is not the @opentelemetry/api module (it lacks context, propagation, SpanKind, SpanStatusCode, ROOT_CONTEXT)',
    );
    expect(() => openTelemetry({ tracer: {} as never })).toThrow(
      'openTelemetry(): tracer must be an OpenTelemetry Tracer (no startSpan)',
    );
    expect(() => openTelemetry({ tracerProvider: {} as never })).toThrow(
      'openTelemetry(): tracerProvider must be an OpenTelemetry TracerProvider (no getTracer)',
    );
    expect(() => openTelemetry(null as never)).toThrow(
      'openTelemetry(options): options must be an object, got null',
    );
  });

  it('refuses to be installed twice on one app', () => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent' }, {});
    const tracing = openTelemetry();
    tracing.install(app);
    expect(() => tracing.install(app)).toThrow(
      'openTelemetry(): already installed on this app; spans would be doubled',
    );
  });
});
