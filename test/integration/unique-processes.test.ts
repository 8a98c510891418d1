import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type Broker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

const SENDER = fileURLToPath(new URL('./fixtures/unique-sender.ts', import.meta.url));
const PROCESSES = 4;
const KEYS = 50;

/** Starts a sender; `ready` settles once it has connected, `done` with the ids it got per key. */
function startSender(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', SENDER, ...args], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const done = new Promise<Record<string, string>>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const report = out.split('\n')[1];
      if (code === 0 && report) resolve(JSON.parse(report) as Record<string, string>);
      else reject(new Error(`unique sender exited with code ${code}: ${out}`));
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
    done.catch(reject);
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}

/** Runs the senders together and returns each one's ids per key. */
async function sendFromProcesses(
  connection: (index: number) => string[],
): Promise<Record<string, string>[]> {
  const senders = Array.from({ length: PROCESSES }, (_, i) =>
    startSender([...connection(i), String(KEYS), String(Math.floor((i * KEYS) / PROCESSES))]),
  );
  await Promise.all(senders.map((s) => s.ready));
  for (const sender of senders) sender.go();
  return Promise.all(senders.map((s) => s.done));
}

function expectOneIdPerKey(reports: Record<string, string>[]): void {
  const first = reports[0] as Record<string, string>;
  expect(Object.keys(first)).toHaveLength(KEYS);
  for (const report of reports) expect(report).toEqual(first);
  expect(new Set(Object.values(first)).size).toBe(KEYS);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function readyCount(broker: Broker): Promise<number> {
  try {
    return (await broker.stats('default')).ready;
  } finally {
    await broker.close();
  }
}

describe('unique tasks sent from several processes at once', () => {
  it(`stores exactly ${KEYS} messages on one SQLite file and gives every process the same ids`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-unique-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'broker.db');
    const reports = await sendFromProcesses(() => ['sqlite', path, '-']);
    expectOneIdPerKey(reports);
    expect(await readyCount(new SqliteBroker({ path }))).toBe(KEYS);
  });

  it.skipIf(!redisAvailable)(
    `stores exactly ${KEYS} messages on Redis and gives every process the same ids`,
    async () => {
      const prefix = `celeriac-unique-${randomUUID().slice(0, 8)}`;
      cleanups.push(async () => {
        const admin = new Redis(redisUrl);
        const keys = await admin.keys(`${prefix}:*`);
        if (keys.length > 0) await admin.del(...keys);
        admin.disconnect();
      });
      const reports = await sendFromProcesses(() => ['redis', redisUrl, prefix]);
      expectOneIdPerKey(reports);
      expect(await readyCount(new RedisBroker({ url: redisUrl, prefix }))).toBe(KEYS);
    },
  );
});
