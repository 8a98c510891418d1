import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemorySlotStore } from '../../../../src/brokers/memory/memory-slot-store.ts';
import { SlotKeeper } from '../../../../src/flow/slots/slot-keeper.ts';
import type { SlotHold } from '../../../../src/index.ts';

/** A memory store that reports each renew call it serves. */
class ObservedStore extends MemorySlotStore {
  readonly calls: SlotHold[][] = [];
  #waiting: Array<() => void> = [];

  override async renew(holds: readonly SlotHold[], now?: number): Promise<number> {
    this.calls.push([...holds]);
    for (const wake of this.#waiting.splice(0)) wake();
    return super.renew(holds, now);
  }

  /** Resolves at the next renew call. */
  nextRenewal(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

describe('SlotKeeper', () => {
  it("renews all of a worker's holds in one call, and stops once none are held", async () => {
    const store = new ObservedStore();
    const keeper = new SlotKeeper(store, pino({ level: 'silent' }));
    const holds: SlotHold[] = [
      { key: 'lock:a', holder: 'h1', ttlMs: 1200 },
      { key: 'concurrency:b', holder: 'h1', ttlMs: 60_000 },
    ];
    const other: SlotHold[] = [{ key: 'lock:c', holder: 'h2', ttlMs: 1500 }];
    for (const hold of [...holds, ...other]) {
      expect(await store.acquire(hold.key, 1, hold.holder, hold.ttlMs)).toEqual({ acquired: true });
    }
    keeper.hold(holds);
    keeper.hold(other);
    await store.nextRenewal();
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]).toEqual([...holds, ...other]);
    keeper.release(holds);
    await store.nextRenewal();
    expect(store.calls[1]).toEqual(other);
    keeper.release(other);
    expect(keeper.size).toBe(0);
  });
});
