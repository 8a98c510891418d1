import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { now } from '../child/protocol.ts';

/** The round-trip floor: awaited PINGs per second through ioredis and through a bare socket. */
export interface PingFloor {
  /** On ioredis, the client both systems use. */
  ioredis: number;
  /** On a plain TCP socket with no client library: what Node and this machine allow. */
  socket: number;
}

/**
 * The round-trip floor of this machine: PINGs awaited one by one. No figure that awaits one
 * Redis call per task (enqueue_one, process_c1_1proc) can pass it, which bounds the ratio either
 * system can reach there.
 */
export async function measurePingFloor(redisUrl: string, n: number): Promise<PingFloor> {
  return { ioredis: await ioredisPings(redisUrl, n), socket: await socketPings(redisUrl, n) };
}

async function ioredisPings(redisUrl: string, n: number): Promise<number> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    for (let k = 0; k < Math.min(5000, n); k++) await client.ping();
    const start = now();
    for (let i = 0; i < n; i++) await client.ping();
    return n / ((now() - start) / 1000);
  } finally {
    client.disconnect();
  }
}

/** PINGs written as raw RESP on a socket, each reply awaited: no parsing, no queueing. */
async function socketPings(redisUrl: string, n: number): Promise<number> {
  const url = new URL(redisUrl);
  const socket = connect(Number(url.port || 6379), url.hostname || '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (url.password) await rawCall(socket, `AUTH ${decodeURIComponent(url.password)}`);
  try {
    for (let k = 0; k < Math.min(5000, n); k++) await rawCall(socket, 'PING');
    const start = now();
    for (let i = 0; i < n; i++) await rawCall(socket, 'PING');
    return n / ((now() - start) / 1000);
  } finally {
    socket.destroy();
  }
}

function rawCall(socket: import('node:net').Socket, command: string): Promise<void> {
  return new Promise((resolve) => {
    socket.once('data', () => resolve());
    socket.write(`${command}\r\n`);
  });
}
