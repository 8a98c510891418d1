import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { PublishHook, PublishInfo } from '../../app/publish-hooks.ts';
import type { Envelope } from '../../envelope/envelope.ts';
import type { OpenTelemetryApi } from './load-api.ts';
import { producerAttributes } from './span-attributes.ts';

/** The context each attempt ran in on this process, by its envelope: where continuations hang. */
export type AttemptContexts = WeakMap<Envelope, Context>;

/**
 * The publish hook: starts a PRODUCER span `send <task>` per envelope, writes the trace context
 * into the envelope's headers (`traceparent`, `tracestate` with the W3C propagator) and ends the
 * span when the broker call ends, with the broker's error if it failed.
 */
export function producerHook(
  api: OpenTelemetryApi,
  tracer: Tracer,
  attempts: AttemptContexts,
): PublishHook {
  return (envelope, info) => {
    const parent = parentContext(api, info, attempts);
    const span = tracer.startSpan(
      `send ${envelope.task}`,
      { kind: api.SpanKind.PRODUCER, attributes: producerAttributes(envelope) },
      parent,
    );
    envelope.headers = freshCarrier(api, envelope.headers);
    api.propagation.inject(api.trace.setSpan(parent, span), envelope.headers);
    return (error) => endSend(api, span, error);
  };
}

/**
 * Where a send's span hangs: under the active span for a producer's send (or a task's, as the
 * task's span is active around its handler); for a workflow step sent after a task ended,
 * under that task's span when it ran in this process, else under the span that sent it.
 */
function parentContext(
  api: OpenTelemetryApi,
  info: PublishInfo,
  attempts: AttemptContexts,
): Context {
  const { parent } = info;
  if (!parent) return api.context.active();
  return (
    attempts.get(parent) ?? api.propagation.extract(api.context.active(), parent.headers ?? {})
  );
}

/**
 * A copy of the headers without trace fields: headers given in the send options may be shared
 * by many envelopes (and be the caller's object), and stale trace fields must not survive.
 */
function freshCarrier(
  api: OpenTelemetryApi,
  headers: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const carrier: Record<string, unknown> = { ...headers };
  for (const field of api.propagation.fields()) delete carrier[field];
  return carrier;
}

function endSend(api: OpenTelemetryApi, span: Span, error: Error | undefined): void {
  if (error) {
    span.recordException(error);
    span.setAttribute('error.type', error.name);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}
