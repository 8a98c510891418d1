import { redactUrl } from '../../logging/redact-url.ts';
import type { ClusterEvent } from '../cluster-event.ts';
import type { EventSink } from '../event-sink.ts';
import { checkSinkTypes } from './sink-types.ts';

/** Options of `webhookSink`. */
export interface WebhookSinkOptions {
  /** Sent with every request (`authorization`, ...); `content-type` is always JSON. */
  headers?: Record<string, string>;
  /** A request that takes longer is aborted and counted as an error. Default 5000. */
  timeoutMs?: number;
  /** Only these event types are posted; default all. */
  types?: readonly ClusterEvent['type'][];
  /** Most events per request; a larger batch is posted in several requests. Default: no cap. */
  batchSize?: number;
  /** The sink's name in logs and metrics; default `webhook:<host>`. */
  name?: string;
}

/**
 * A sink that POSTs each batch as a JSON array to `url`; an answer other than 2xx, a network
 * error or a timeout fails the batch (counted and logged, the batch is not retried).
 */
export function webhookSink(url: string, options: WebhookSinkOptions = {}): EventSink {
  const target = parseWebhookUrl(url);
  const { timeoutMs = 5000, batchSize } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw new TypeError(`webhookSink: timeoutMs must be a positive number, got ${timeoutMs}`);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0))
    throw new TypeError(`webhookSink: batchSize must be a positive integer, got ${batchSize}`);
  const headers = checkHeaders(options.headers);
  return new WebhookSink(target, {
    headers: { ...headers, 'content-type': 'application/json' },
    timeoutMs,
    batchSize,
    types: checkSinkTypes('webhookSink', options.types),
    name: options.name ?? `webhook:${target.host}`,
  });
}

function parseWebhookUrl(url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`webhookSink: invalid URL ${JSON.stringify(url)}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new TypeError(
      `webhookSink: expected an http or https URL, got ${JSON.stringify(redactUrl(url))}`,
    );
  return target;
}

function checkHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
    throw new TypeError('webhookSink: headers must be an object of strings');
  for (const [key, value] of Object.entries(headers))
    if (typeof value !== 'string')
      throw new TypeError(`webhookSink: header ${JSON.stringify(key)} must be a string`);
  // The body is JSON whatever the caller says: drop their content-type in any spelling.
  return Object.fromEntries(
    Object.entries(headers).filter(([key]) => key.toLowerCase() !== 'content-type'),
  ) as Record<string, string>;
}

interface WebhookSettings {
  headers: Record<string, string>;
  timeoutMs: number;
  batchSize: number | undefined;
  types: readonly ClusterEvent['type'][] | undefined;
  name: string;
}

class WebhookSink implements EventSink {
  readonly name: string;
  readonly types: readonly ClusterEvent['type'][] | undefined;
  readonly #url: URL;
  readonly #label: string;
  readonly #settings: WebhookSettings;

  constructor(url: URL, settings: WebhookSettings) {
    this.#url = url;
    this.#label = redactUrl(url.href);
    this.#settings = settings;
    this.name = settings.name;
    this.types = settings.types;
  }

  /** Posts the batch, in requests of at most `batchSize` events, one after another. */
  async write(events: readonly ClusterEvent[]): Promise<void> {
    const size = this.#settings.batchSize ?? events.length;
    for (let start = 0; start < events.length; start += size)
      await this.#post(events.slice(start, start + size));
  }

  async #post(events: readonly ClusterEvent[]): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: this.#settings.headers,
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(this.#settings.timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError')
        throw new Error(
          `webhook ${this.#label} did not answer within ${this.#settings.timeoutMs}ms`,
        );
      const cause = (error as Error & { cause?: Error }).cause;
      throw new Error(`webhook ${this.#label} failed: ${(cause ?? (error as Error)).message}`, {
        cause: error,
      });
    }
    // Read the body so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`webhook ${this.#label} answered ${response.status}`);
  }
}
