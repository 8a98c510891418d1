import type { Span, Tracer } from '@opentelemetry/api';
import type { Middleware, Outcome } from '../../middleware/middleware.ts';
import { observeAttempt } from '../attempt-outcome.ts';
import type { OpenTelemetryApi } from './load-api.ts';
import type { AttemptContexts } from './producer-hook.ts';
import { consumerAttributes, outcomeAttributes } from './span-attributes.ts';

/**
 * The execution middleware: a CONSUMER span `process <task>` per attempt, the child of the
 * span that sent the message (read from its headers), active around the handler so spans made
 * there nest under it. A retry or a failure sets its status to ERROR with the exception.
 */
export function consumerMiddleware(
  api: OpenTelemetryApi,
  tracer: Tracer,
  workerName: string,
  attempts: AttemptContexts,
): Middleware {
  return async (execution, next) => {
    const { envelope } = execution;
    // A worker's attempt belongs to its message only; an eager run, to its caller's span.
    const base = execution.ctx.eager ? api.context.active() : api.ROOT_CONTEXT;
    const sent = api.propagation.extract(base, envelope.headers ?? {});
    const span = tracer.startSpan(
      `process ${envelope.task}`,
      { kind: api.SpanKind.CONSUMER, attributes: consumerAttributes(envelope, workerName) },
      sent,
    );
    const active = api.trace.setSpan(sent, span);
    attempts.set(envelope, active);
    try {
      await observeAttempt(
        execution,
        () => api.context.with(active, next),
        (outcome) => recordOutcome(api, span, outcome),
      );
    } finally {
      span.end();
    }
  };
}

function recordOutcome(api: OpenTelemetryApi, span: Span, outcome: Outcome): void {
  span.setAttributes(outcomeAttributes(outcome));
  if (outcome.kind === 'success') return;
  span.recordException(outcome.error);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.error.message });
}
