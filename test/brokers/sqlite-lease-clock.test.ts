import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeClock, fakeClockUnavailable } from '../../chaos/env/fake-clock.ts';
import { currentBootId } from '../../src/brokers/sqlite/lease-clock.ts';
import { SqliteBroker } from '../../src/brokers/sqlite/sqlite-broker.ts';

const RESERVE_ONCE = fileURLToPath(new URL('./fixtures/sqlite-reserve-once.ts', import.meta.url));
const HOUR_S = 3_600;
const QUEUE = 'q';

let dir: string;
let path: string;
const opened: SqliteBroker[] = [];

function open(): SqliteBroker {
  const broker = new SqliteBroker({ path, pollIntervalMs: 20 });
  opened.push(broker);
  return broker;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'celeriac-lease-clock-'));
  path = join(dir, 'broker.db');
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function send(broker: SqliteBroker, ...ids: string[]): Promise<void> {
  const body = new TextEncoder().encode('{}');
  await broker.enqueue(ids.map((id) => ({ id, queue: QUEUE, body })));
}

/** Runs the reserve-once fixture with its wall clock `offsetS` seconds off; what it took. */
async function reserveInChild(offsetS: number, waitMs: number, leaseMs: number) {
  const clock = createFakeClock(dir);
  clock.setOffset(offsetS);
  const args = ['--import', 'tsx', RESERVE_ONCE, path, QUEUE, String(waitMs), String(leaseMs)];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, ...clock.env },
  });
  return JSON.parse(stdout) as { ids: string[]; wallMs: number };
}

describe.skipIf(fakeClockUnavailable() !== undefined || currentBootId() === undefined)(
  'SQLite leases across processes with stepped wall clocks',
  () => {
    it('a process whose wall clock is 1 h ahead does not take a running task', async () => {
      const worker = open();
      await send(worker, 'running', 'waiting');
      expect((await worker.reserve([QUEUE], { max: 1, leaseMs: 60_000 })).map((d) => d.id)).toEqual(
        ['running'],
      );
      const other = await reserveInChild(HOUR_S, 0, 60_000);
      // The child really was on a clock an hour ahead.
      expect(other.wallMs - Date.now()).toBeGreaterThan(50 * 60_000);
      expect(other.ids).toEqual(['waiting']);
      expect(await worker.stats(QUEUE)).toMatchObject({ ready: 0, reserved: 2 });
    }, 30_000);

    it('the lease of a process with its wall clock 1 h behind holds for others on the real one', async () => {
      await send(open(), 'running');
      expect((await reserveInChild(-HOUR_S, 0, 60_000)).ids).toEqual(['running']);
      expect(await open().reserve([QUEUE], { max: 1, leaseMs: 60_000 })).toEqual([]);
    }, 30_000);

    it('a dead worker’s lease still expires for a process whose clock is 1 h behind', async () => {
      const dead = open();
      await send(dead, 'orphan');
      expect((await dead.reserve([QUEUE], { max: 1, leaseMs: 300 })).map((d) => d.id)).toEqual([
        'orphan',
      ]);
      await dead.close(); // killed: no ack, no nack
      // Waits up to 20 s; the lease ends 300 ms after it was taken.
      const behind = await reserveInChild(-HOUR_S, 20_000, 60_000);
      expect(Date.now() - behind.wallMs).toBeGreaterThan(50 * 60_000);
      expect(behind.ids).toEqual(['orphan']);
    }, 40_000);
  },
);

describe.skipIf(currentBootId() === undefined)('SQLite leases and the boot id', () => {
  /** Writes another boot's id into the file, as if the machine rebooted since. */
  function rebootFile(): void {
    const db = new Database(path);
    db.prepare('UPDATE lease_clock SET boot_id = ? WHERE id = 1').run('another-boot');
    db.close();
  }

  it('after a reboot every monotonic lease counts as expired, at the first open', async () => {
    const before = open();
    await send(before, 'a', 'b');
    expect(await before.reserve([QUEUE], { max: 2, leaseMs: 3_600_000 })).toHaveLength(2);
    await before.close();
    rebootFile();
    const taken = await open().reserve([QUEUE], { max: 10, leaseMs: 60_000 });
    expect(taken.map((d) => d.id).sort()).toEqual(['a', 'b']);
  });

  it('on the same boot a reopened file keeps its leases', async () => {
    const before = open();
    await send(before, 'a');
    expect(await before.reserve([QUEUE], { max: 1, leaseMs: 3_600_000 })).toHaveLength(1);
    await before.close();
    expect(await open().reserve([QUEUE], { max: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('leases of the release before (wall clock, no lease receipt) keep their wall-clock expiry', async () => {
    const broker = open();
    await send(broker, 'old-live', 'old-dead');
    await broker.reserve([QUEUE], { max: 2, leaseMs: 60_000 });
    await broker.close();
    // As the release before leaves a reserved row: its own receipt, the expiry in available_at.
    const db = new Database(path);
    const mark = db.prepare(
      `UPDATE messages SET receipt = seq || ':old', available_at = ? WHERE id = ?`,
    );
    mark.run(Date.now() + 3_600_000, 'old-live');
    mark.run(Date.now() - 1, 'old-dead');
    db.close();
    rebootFile(); // not theirs to release: their holders may run the release before
    expect((await open().reserve([QUEUE], { max: 10, leaseMs: 60_000 })).map((d) => d.id)).toEqual([
      'old-dead',
    ]);
  });
});
