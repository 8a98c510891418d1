import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { packEntry, unpackDeadLetter } from '../../src/brokers/redis/entry.ts';
import { LuaScript, SCRIPTS } from '../../src/brokers/redis/lua-script.ts';
import { QueueKeys } from '../../src/brokers/redis/queue-keys.ts';
import { reserveBatch } from '../../src/brokers/redis/reserve-batch.ts';
import type { RedisClient } from '../../src/redis/redis-connection.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

// The parser of an older release: `tonumber` takes "1.5", so the script hands back an entry
// whose header this side's grammar refuses, as a disagreement between the parsers would.
const LAX_PARSE = `local function parse_entry(entry)
  local p = tonumber(string.sub(entry, 1, 1))
  local dc_end = string.find(entry, '|', 3, true)
  local dc = tonumber(string.sub(entry, 3, dc_end - 1))
  return { priority = p, deliveries = dc, rest = string.sub(entry, dc_end + 1) }
end
local function pack_entry(`;

/** reserve.lua as it ships, with its parser swapped for the lax one, in a directory of its own. */
function laxReserve(dir: string): LuaScript {
  const source = SCRIPTS.reserve.source;
  const start = source.indexOf('local function parse_entry(');
  const next = 'local function pack_entry(';
  const end = source.indexOf(next) + next.length;
  writeFileSync(join(dir, 'reserve.lua'), source.slice(0, start) + LAX_PARSE + source.slice(end));
  return new LuaScript('reserve', pathToFileURL(`${dir}/`));
}

const admin = redisAvailable ? new Redis(redisUrl) : undefined;
afterAll(() => admin?.disconnect());

describe.skipIf(!redisAvailable)('reserveBatch', () => {
  const prefix = `celeriac-reserve-${randomUUID().slice(0, 8)}`;
  const shipped = SCRIPTS.reserve;
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-lua-'));
  afterEach(async () => {
    (SCRIPTS as { reserve: LuaScript }).reserve = shipped;
    await deleteRedisPrefix(prefix);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('dead-letters a reserved value it cannot read instead of leaving it held', async () => {
    const redis = admin as Redis;
    const keys = new QueueKeys(prefix, 'q');
    const good = packEntry(0, 0, 'good', Buffer.from('{}'));
    const bad = Buffer.from('0|1.5|3|bad{}');
    await redis.rpush(keys.ready[0] as string, good, bad);
    (SCRIPTS as { reserve: LuaScript }).reserve = laxReserve(dir);

    const batch = await reserveBatch(redis as unknown as RedisClient, {
      queue: 'q',
      keys,
      max: 10,
      leaseMs: 60_000,
      receiptPrefix: 'r.',
      ackReceipts: [],
      withHints: false,
      register: undefined,
      close: undefined,
    });

    expect(batch.deliveries.map((d) => d.id)).toEqual(['good']);
    expect(await redis.hkeys(keys.held)).toEqual(['r.1']);
    expect(await redis.zrange(keys.leases, 0, -1)).toEqual(['r.1']);
    const letters = (await redis.lrangeBuffer(keys.dead, 0, -1)).map((b) => unpackDeadLetter(b));
    expect(letters.map((l) => [l?.reason, l?.value.toString()])).toEqual([
      [
        `unreadable entry under a Celeriac key ${keys.held}: delivery count is not 1 to 9 digits followed by |`,
        '0|2.5|3|bad{}',
      ],
    ]);
  });
});
