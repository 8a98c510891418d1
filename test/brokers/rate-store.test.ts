import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { MemoryBroker, RedisBroker, SqliteBroker } from '../../src/index.ts';
import { rateStoreConformance } from '../../src/testing/index.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

rateStoreConformance('memory', () => new MemoryBroker().rates);

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-rates-'));
  const broker = new SqliteBroker({ path: join(dir, 'broker.db') });
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  rateStoreConformance('sqlite', () => broker.rates);
});

describe.skipIf(!redisAvailable)('redis', () => {
  const prefix = `celeriac-test-${randomUUID().slice(0, 8)}`;
  const broker = new RedisBroker({ url: redisUrl, prefix });
  afterAll(async () => {
    await broker.close();
    await deleteRedisPrefix(prefix);
  });
  rateStoreConformance('redis', () => broker.rates);
});
