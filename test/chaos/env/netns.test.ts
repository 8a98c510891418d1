import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createNetnsLink,
  type NetnsLink,
  netnsUnavailable,
  sweepNetnsLeftovers,
} from '../../../chaos/env/netns.ts';

const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Skips (or fails under CI=true) where namespaces cannot be made. */
async function requireNetns(skip: (reason: string) => void): Promise<boolean> {
  const reason = await netnsUnavailable();
  if (reason === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason}`);
  skip(reason);
  return false;
}

// Connects from inside the namespace; prints `ok`, or the error code (`TIMEOUT` after 1.5 s).
const CONNECT = `
const socket = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
const timer = setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, 1500);
socket.on('connect', () => { console.log('ok'); process.exit(0); });
socket.on('error', (e) => { console.log(e.code); process.exit(0); });`;

async function connectFromInside(link: NetnsLink, port: number): Promise<string> {
  const [file, ...prefix] = link.execPrefix;
  const args = [...prefix, process.execPath, '-e', CONNECT, link.hostAddress, String(port)];
  const { stdout } = await run(file as string, args);
  return stdout.trim();
}

async function listen(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { server, port: address.port };
}

describe('createNetnsLink', () => {
  it('partitions silently (a connect hangs, no refusal or unreachable error) and heals', async (ctx) => {
    if (!(await requireNetns(ctx.skip))) return;
    const link = await createNetnsLink();
    cleanups.push(() => link.remove());
    const { server, port } = await listen(link.hostAddress);
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const outcomes = [await connectFromInside(link, port)];
    await link.partition();
    outcomes.push(await connectFromInside(link, port));
    await link.heal();
    outcomes.push(await connectFromInside(link, port));
    expect(outcomes).toEqual(['ok', 'TIMEOUT', 'ok']);
  });

  it('remove() leaves no namespace, link or rule behind', async (ctx) => {
    if (!(await requireNetns(ctx.skip))) return;
    const link = await createNetnsLink();
    await link.partition();
    await link.remove();
    const namespaces = (await run('ip', ['netns', 'list'])).stdout;
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    expect(namespaces).not.toContain(link.ns);
    expect(links).not.toContain(link.ns.replace('cxchaos-', 'cxh-'));
  });
});

describe('sweepNetnsLeftovers', () => {
  it('removes the namespace and link of a run whose process is gone, not of a live one', async (ctx) => {
    if (!(await requireNetns(ctx.skip))) return;
    // pid 4194304 is above Linux's pid_max: no such process can be alive.
    const dead = 'cxchaos-4194304-1';
    await run('ip', ['netns', 'add', dead]);
    await run('ip', [
      'link',
      'add',
      'cxh-4194304-1',
      'type',
      'veth',
      'peer',
      'name',
      'cxn-4194304-1',
    ]);
    cleanups.push(() => run('ip', ['netns', 'del', dead]));
    cleanups.push(() => run('ip', ['link', 'del', 'cxh-4194304-1']));
    const live = await createNetnsLink();
    cleanups.push(() => live.remove());
    const removed = await sweepNetnsLeftovers();
    expect(removed).toContain(`namespace ${dead}`);
    expect(removed).toContain('link cxh-4194304-1');
    expect((await run('ip', ['netns', 'list'])).stdout).toContain(live.ns);
  });
});
