import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer, type ReadyCheck } from '../../../src/metrics/index.ts';
import { Exposition, get } from '../../support/prometheus-text.ts';

describe('MetricsServer', () => {
  const servers: MetricsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function serve(ready?: ReadyCheck): Promise<{ base: string; registry: Registry }> {
    const registry = new Registry();
    const server = await MetricsServer.start({ registry, port: 0, host: '127.0.0.1', ready });
    servers.push(server);
    return { base: server.url, registry };
  }

  it('serves the registry on GET /metrics in the Prometheus text format', async () => {
    const { base, registry } = await serve();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(4);
    const res = await get(`${base}/metrics?from=test`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(new Exposition(res.body).value('demo_total')).toBe(4);
  });

  it('answers /healthz with 200 while running', async () => {
    const { base } = await serve(() => 'not yet');
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('answers /readyz with 200 when ready, else 503 and the reason on one line', async () => {
    let ready: true | string = 'worker is not consuming:\nstarting';
    const { base } = await serve(async () => ready);
    expect(await get(`${base}/readyz`)).toMatchObject({
      status: 503,
      body: 'worker is not consuming: starting\n',
    });
    ready = true;
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('is not ready when the readiness check throws', async () => {
    const { base } = await serve(() => {
      throw new Error('broker gone');
    });
    expect(await get(`${base}/readyz`)).toMatchObject({
      status: 503,
      body: 'readiness check failed: broker gone\n',
    });
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const { base } = await serve();
    expect(await get(`${base}/`)).toMatchObject({ status: 404, body: 'not found\n' });
    expect(await get(`${base}/metricsx`)).toMatchObject({ status: 404 });
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('says which port is in use', async () => {
    const first = await MetricsServer.start({ registry: new Registry(), port: 0 });
    servers.push(first);
    await expect(
      MetricsServer.start({ registry: new Registry(), port: first.port }),
    ).rejects.toThrow(`metrics port ${first.port} is in use`);
  });

  it('names the address it serves on', async () => {
    const server = await MetricsServer.start({ registry: new Registry(), port: 0 });
    servers.push(server);
    expect(server.url).toBe(`http://0.0.0.0:${server.port}`);
    expect((await get(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });
});
