// OpenTelemetry set up as an application would (tracer provider, async context, W3C
// propagation, all global), with spans kept in memory. `@opentelemetry/core` comes with the
// SDK (a dependency of @opentelemetry/sdk-trace-base) and holds the W3C propagator.
import { context, propagation, type SpanContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

/** Registers a provider exporting to `exporter` (default: in memory) and the globals it needs. */
export function registerTracing(exporter: SpanExporter = new InMemorySpanExporter()) {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    provider,
    exporter,
    /** Removes the globals, so other code sees no tracing. */
    async unregister(): Promise<void> {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The ids of a span and of its parent, for parent-child assertions. */
export function idsOf(span: ReadableSpan): { traceId: string; spanId: string; parent?: string } {
  const own: SpanContext = span.spanContext();
  return { traceId: own.traceId, spanId: own.spanId, parent: span.parentSpanContext?.spanId };
}
