import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, webhookSink } from '../../../../src/index.ts';
import { taskEvent, workerEvent } from '../../../support/cluster-events.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A local HTTP server that answers each request with `respond`, keeping what it got. */
async function hookServer(respond: (res: ServerResponse) => void) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('webhookSink', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const serve = async (respond: (res: ServerResponse) => void) => {
    const server = await hookServer(respond);
    cleanups.push(server.close);
    return server;
  };

  it('posts each batch as a JSON array with its headers', async () => {
    const server = await serve((res) => res.writeHead(204).end());
    const sink = webhookSink(server.url, {
      headers: { authorization: 'Bearer t0ken', 'Content-Type': 'text/plain' },
    });
    expect(sink.name).toBe(`webhook:${new URL(server.url).host}`);
    const batch = [taskEvent(), workerEvent()];
    await sink.write(batch);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.body).toEqual(batch);
    expect(server.received[0]?.headers['content-type']).toBe('application/json');
    expect(server.received[0]?.headers.authorization).toBe('Bearer t0ken');
  });

  it('splits a batch into requests of batchSize, and filters types', async () => {
    const server = await serve((res) => res.writeHead(200).end('ok'));
    const app = createApp({ broker: 'memory://', logLevel: 'silent' });
    app.events.addSink(webhookSink(server.url, { batchSize: 2, types: ['task:failed'] }));
    for (let i = 0; i < 5; i++) app.events.emit(taskEvent({ type: 'task:failed', id: `f${i}` }));
    app.events.emit(taskEvent({ type: 'task:succeeded' }));
    await app.close();
    expect(server.received.map((r) => (r.body as Array<{ id: string }>).map((e) => e.id))).toEqual([
      ['f0', 'f1'],
      ['f2', 'f3'],
      ['f4'],
    ]);
    expect(app.events.sinkStats()[0]).toMatchObject({ written: 5, dropped: 0, errors: 0 });
  });

  it('fails a batch answered with a non-2xx status, counted by the app', async () => {
    const server = await serve((res) => res.writeHead(500).end('nope'));
    const sink = webhookSink(server.url);
    await expect(sink.write([taskEvent()])).rejects.toThrow(`webhook ${server.url} answered 500`);
    const app = createApp({ broker: 'memory://', logLevel: 'silent' });
    app.events.addSink(sink);
    app.events.emit(taskEvent());
    app.events.emit(taskEvent());
    await app.close();
    expect(app.events.sinkStats()[0]).toMatchObject({ written: 0, dropped: 2, errors: 1 });
  });

  it('fails a request that outlives timeoutMs, counted by the app', async () => {
    // Never answers: only the sink's timeout ends the request.
    const server = await serve(() => {});
    const sink = webhookSink(server.url, { timeoutMs: 50 });
    await expect(sink.write([taskEvent()])).rejects.toThrow(
      `webhook ${server.url} did not answer within 50ms`,
    );
    const app = createApp({ broker: 'memory://', logLevel: 'silent' });
    app.events.addSink(sink);
    app.events.emit(taskEvent());
    await app.close();
    expect(app.events.sinkStats()[0]).toMatchObject({ written: 0, dropped: 1, errors: 1 });
  });

  it('fails a batch when nothing listens, naming the cause', async () => {
    const server = await serve((res) => res.end());
    await server.close();
    await expect(webhookSink(server.url).write([taskEvent()])).rejects.toThrow(
      `webhook ${server.url} failed: connect ECONNREFUSED`,
    );
  });

  it('rejects bad arguments at creation', () => {
    expect(() => webhookSink('not a url')).toThrow(
      new TypeError('webhookSink: invalid URL "not a url"'),
    );
    expect(() => webhookSink('ftp://user:secret@example.com/x')).toThrow(
      new TypeError(
        'webhookSink: expected an http or https URL, got "ftp://user:***@example.com/x"',
      ),
    );
    expect(() => webhookSink('http://example.com', { timeoutMs: 0 })).toThrow(
      'webhookSink: timeoutMs must be a positive number, got 0',
    );
    expect(() => webhookSink('http://example.com', { batchSize: 1.5 })).toThrow(
      'webhookSink: batchSize must be a positive integer, got 1.5',
    );
    expect(() =>
      webhookSink('http://example.com', { headers: { 'x-n': 1 as unknown as string } }),
    ).toThrow('webhookSink: header "x-n" must be a string');
  });
});
