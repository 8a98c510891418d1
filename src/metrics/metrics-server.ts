import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { CeleriacError } from '../errors/errors.ts';

/** True when ready; else why not, in one line. */
export type ReadyCheck = () => true | string | Promise<true | string>;

/** What a metrics server serves, and where. */
export interface MetricsServerOptions {
  /** The prom-client registry `/metrics` serves. */
  registry: Registry;
  /** 0 picks a free port (see `port` once started). */
  port: number;
  /** Default 0.0.0.0: every interface, as Prometheus and probes come from outside the pod. */
  host?: string;
  /** Answers `/readyz`; always ready when absent. */
  ready?: ReadyCheck;
}

/**
 * A small HTTP server for Prometheus and Kubernetes: `GET /metrics` (the registry in the text
 * format), `GET /healthz` (200 while the process runs) and `GET /readyz` (200 when ready, else
 * 503 with the reason).
 */
export class MetricsServer {
  readonly #server: Server;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on: the one asked for, or the free one picked for 0. */
  readonly port: number;

  private constructor(server: Server, host: string) {
    this.#server = server;
    this.host = host;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Listens on the port; a port in use fails with a clear error. */
  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const host = options.host ?? '0.0.0.0';
    const server = createServer((req, res) => void answer(options, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options)));
      server.listen(options.port, host, () => resolve());
    });
    return new MetricsServer(server, host);
  }

  /** Where to scrape, e.g. `http://0.0.0.0:9808`. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}

async function answer(
  options: MetricsServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (!['/metrics', '/healthz', '/readyz'].includes(path ?? '')) return send(res, 404, 'not found');
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    return send(res, 405, 'method not allowed');
  }
  try {
    if (path === '/healthz') return send(res, 200, 'ok');
    if (path === '/readyz') {
      const ready = await readiness(options.ready);
      return ready === true ? send(res, 200, 'ok') : send(res, 503, oneLine(ready));
    }
    const body = await options.registry.metrics();
    res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(body);
  } catch (error) {
    send(res, 500, oneLine(error instanceof Error ? error.message : String(error)));
  }
}

/** The check's answer; a check that throws means not ready, for the reason it gives. */
async function readiness(check: ReadyCheck | undefined): Promise<true | string> {
  try {
    return check ? await check() : true;
  } catch (error) {
    return `readiness check failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function listenError(error: NodeJS.ErrnoException, options: MetricsServerOptions): Error {
  if (error.code === 'EADDRINUSE')
    return new CeleriacError('METRICS_PORT_IN_USE', `metrics port ${options.port} is in use`);
  if (error.code === 'EACCES')
    return new CeleriacError(
      'METRICS_PORT_DENIED',
      `metrics port ${options.port} needs privileges this process lacks`,
    );
  return new CeleriacError(
    'METRICS_LISTEN',
    `cannot serve metrics on ${options.host ?? '0.0.0.0'}:${options.port}: ${error.message}`,
  );
}
