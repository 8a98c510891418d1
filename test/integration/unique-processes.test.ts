import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Broker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { startGatedChild } from '../support/gated-child.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const SENDER = fileURLToPath(new URL('./fixtures/unique-sender.ts', import.meta.url));
const PROCESSES = 4;
const KEYS = 50;

/** Starts a sender; `ready` settles once it has connected, `done` with the ids it got per key. */
function startSender(args: string[]) {
  return startGatedChild<Record<string, string>>(SENDER, args, 'unique sender');
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
        await deleteRedisPrefix(prefix);
      });
      const reports = await sendFromProcesses(() => ['redis', redisUrl, prefix]);
      expectOneIdPerKey(reports);
      expect(await readyCount(new RedisBroker({ url: redisUrl, prefix }))).toBe(KEYS);
    },
  );
});
