import { createRequire } from 'node:module';
import type * as OpenTelemetryApiModule from '@opentelemetry/api';
import { CeleriacError, coerceError } from '../../errors/errors.ts';

/** The `@opentelemetry/api` module: only its types are imported at load time. */
export type OpenTelemetryApi = typeof OpenTelemetryApiModule;

const requireHere = createRequire(import.meta.url);

/** Loads `@opentelemetry/api` the way Node resolves it from celeriac's own folder. */
const requireApi = (): unknown => requireHere('@opentelemetry/api');

/**
 * Loads `@opentelemetry/api` with `load` (an optional peer dependency, so it is loaded only
 * when tracing is asked for); without it, throws an error that says how to install it.
 */
export function loadOpenTelemetryApi(load: () => unknown = requireApi): OpenTelemetryApi {
  let api: unknown;
  try {
    api = load();
  } catch (error) {
    const cause = coerceError(error);
    throw new CeleriacError(
      'OPENTELEMETRY_MISSING',
      `openTelemetry() needs the optional peer dependency @opentelemetry/api, which could not be loaded (${cause.message}); install it beside celeriac: npm install @opentelemetry/api`,
      { cause },
    );
  }
  return checkApi(api);
}

/** Checks that `api` has what tracing uses, so a wrong module fails here and not mid-send. */
export function checkApi(api: unknown): OpenTelemetryApi {
  const parts = ['trace', 'context', 'propagation', 'SpanKind', 'SpanStatusCode', 'ROOT_CONTEXT'];
  const missing = parts.filter((part) => typeof api !== 'object' || api === null || !(part in api));
  if (missing.length > 0)
    throw new TypeError(
      `openTelemetry(): the api given is not the @opentelemetry/api module (it lacks ${missing.join(', ')})`,
    );
  return api as OpenTelemetryApi;
}
