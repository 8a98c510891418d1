import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteBroker } from '../../src/index.ts';
import { slotStoreConformance } from '../../src/testing/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-slots-'));
const path = join(dir, 'broker.db');
const broker = new SqliteBroker({ path });
afterAll(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

slotStoreConformance('sqlite', () => broker.slots);

describe('sqlite slot store', () => {
  it('two connections to one file share the holds, as two processes would', async () => {
    const other = new SqliteBroker({ path });
    try {
      expect(await broker.slots.acquire('shared', 1, 'a', 10_000)).toEqual({ acquired: true });
      expect((await other.slots.acquire('shared', 1, 'b', 10_000)).acquired).toBe(false);
      await broker.slots.release('shared', 'a');
      expect(await other.slots.acquire('shared', 1, 'b', 10_000)).toEqual({ acquired: true });
    } finally {
      await other.close();
    }
  });

  it('keeps working after the broker closes and reopens its file', async () => {
    await broker.close();
    expect(await broker.slots.acquire('reopened', 1, 'a', 10_000)).toEqual({ acquired: true });
  });
});
