/**
 * Tracing with OpenTelemetry. `@opentelemetry/api` is an optional peer dependency, loaded when
 * `openTelemetry()` is called, never when celeriac is imported. See docs/integrations.md.
 *
 * @module celeriac/opentelemetry
 */
import { hostname } from 'node:os';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { PublishHook } from '../../app/publish-hooks.ts';
import type { Middleware } from '../../middleware/middleware.ts';
import { consumerMiddleware } from './consumer-middleware.ts';
import { checkApi, loadOpenTelemetryApi, type OpenTelemetryApi } from './load-api.ts';
import { type AttemptContexts, producerHook } from './producer-hook.ts';

export type { OpenTelemetryApi } from './load-api.ts';
export { loadOpenTelemetryApi } from './load-api.ts';

/** How tracing is set up. */
export interface OpenTelemetryOptions {
  /** The tracer of celeriac's spans; by default one from `tracerProvider`. */
  tracer?: Tracer;
  /** Where the tracer comes from; by default the global provider (the SDK registers it). */
  tracerProvider?: TracerProvider;
  /** The worker on consumer spans (`messaging.client.id`); by default `celeriac@<hostname>`. */
  workerName?: string;
  /** The `@opentelemetry/api` module; by default the one Node resolves from celeriac. */
  api?: OpenTelemetryApi;
}

/** What `install` needs of an app: its publish hooks and its middleware. */
export interface TraceableApp {
  /** Adds a hook that sees each envelope before it is sent; returns a function that removes it. */
  onPublish(hook: PublishHook): () => void;
  /** Adds an execution middleware, run around every attempt. */
  use(middleware: Middleware): unknown;
}

/** Tracing, ready to add to an app. */
export interface OpenTelemetryIntegration {
  /** Adds producer spans and trace headers to every send, and consumer spans to every attempt. */
  install<A extends TraceableApp>(app: A): A;
}

/** The tracer name of celeriac's spans (the instrumentation scope). */
export const TRACER_NAME = 'celeriac';

/**
 * Tracing for an app: `openTelemetry().install(app)`, before other middleware so their work
 * falls inside the task's span. See docs/integrations.md.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): OpenTelemetryIntegration {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(
      `openTelemetry(options): options must be an object, got ${String(options)}`,
    );
  const api = options.api === undefined ? loadOpenTelemetryApi() : checkApi(options.api);
  const tracer = tracerOf(api, options);
  const workerName = options.workerName ?? `celeriac@${hostname()}`;
  const installed = new WeakSet<TraceableApp>();
  return {
    install(app) {
      if (installed.has(app))
        throw new Error('openTelemetry(): already installed on this app; spans would be doubled');
      installed.add(app);
      // The context each attempt ran in, so the workflow steps it sends join its trace.
      const attempts: AttemptContexts = new WeakMap();
      app.onPublish(producerHook(api, tracer, attempts));
      app.use(consumerMiddleware(api, tracer, workerName, attempts));
      return app;
    },
  };
}

function tracerOf(api: OpenTelemetryApi, options: OpenTelemetryOptions): Tracer {
  const { tracer, tracerProvider } = options;
  if (tracer !== undefined) {
    if (typeof tracer?.startSpan !== 'function')
      throw new TypeError('openTelemetry(): tracer must be an OpenTelemetry Tracer (no startSpan)');
    return tracer;
  }
  if (tracerProvider === undefined) return api.trace.getTracer(TRACER_NAME);
  if (typeof tracerProvider?.getTracer !== 'function')
    throw new TypeError(
      'openTelemetry(): tracerProvider must be an OpenTelemetry TracerProvider (no getTracer)',
    );
  return tracerProvider.getTracer(TRACER_NAME);
}
