import { hostname } from 'node:os';
import type { SlotHold, SlotStore } from '../../brokers/contract/slot-store.ts';
import { type Envelope, toWire } from '../../envelope/envelope.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import type { Admission, AdmissionGate, GateContext } from '../admission.ts';
import { slotBackoffMs, slotWaitsOf, withOneMoreWait } from './slot-backoff.ts';
import { type SlotNeed, slotNeedsOf } from './slot-claims.ts';
import { SlotKeeper } from './slot-keeper.ts';

/**
 * The gate for `lock` and `concurrency`: takes every slot a delivery needs, or none and defers
 * it with a growing backoff. Held slots are renewed while the task runs and given back once
 * its attempt settled.
 */
export function createSlotGate(context: GateContext): AdmissionGate {
  const { app, leaseMs } = context;
  const store = app.coordination.slots;
  const keeper = store ? new SlotKeeper(store, app.log) : undefined;
  // Unique per attempt: a receipt names one reservation of one message.
  const owner = `${hostname()}:${process.pid}`;
  return {
    appliesTo: (task) => task.options.lock !== undefined || task.options.concurrency !== undefined,
    async admit(task, envelope, delivery): Promise<Admission> {
      if (!store || !keeper) {
        return { kind: 'reject', reason: `${app.coordinationLabel} keeps no locks` };
      }
      let needs: SlotNeed[];
      try {
        needs = slotNeedsOf(task, envelope.args, leaseMs);
      } catch (error) {
        return { kind: 'reject', reason: (error as Error).message };
      }
      const holder = `${owner}:${delivery.receipt}`;
      const taken = await takeAll(store, needs, holder);
      if ('refused' in taken) return deferral(context, task, envelope, taken);
      keeper.hold(taken.holds);
      const release = async () => {
        keeper.release(taken.holds);
        await releaseAll(store, taken.holds);
      };
      return { kind: 'run', release };
    },
  };
}

type Taken = { holds: SlotHold[] } | { refused: SlotNeed; retryAt: number };

/** Takes every slot in order, or gives back those taken and names the one refused. */
async function takeAll(store: SlotStore, needs: SlotNeed[], holder: string): Promise<Taken> {
  const holds: SlotHold[] = [];
  try {
    for (const need of needs) {
      const claim = await store.acquire(need.storeKey, need.limit, holder, need.ttlMs);
      if (!claim.acquired) {
        await releaseAll(store, holds);
        return { refused: need, retryAt: claim.retryAt };
      }
      holds.push({ key: need.storeKey, holder, ttlMs: need.ttlMs });
    }
  } catch (error) {
    // The store's error is the one to report; a hold not given back here expires after its ttl.
    await Promise.allSettled(holds.map((hold) => store.release(hold.key, hold.holder)));
    throw error;
  }
  return { holds };
}

async function releaseAll(store: SlotStore, holds: readonly SlotHold[]): Promise<void> {
  await Promise.all(holds.map((hold) => store.release(hold.key, hold.holder)));
}

/** Back to the broker until the backoff ends, or the first hold expires if that is sooner. */
function deferral(
  context: GateContext,
  task: RegisteredTask,
  envelope: Envelope,
  taken: { refused: SlotNeed; retryAt: number },
): Admission {
  const now = Date.now();
  const until = Math.min(now + slotBackoffMs(slotWaitsOf(envelope)), Math.max(now, taken.retryAt));
  const body = context.app.serializer.encode(toWire(withOneMoreWait(envelope)));
  const reason = `task "${task.name}": ${taken.refused.label} is taken`;
  return { kind: 'defer', until, reason, body };
}
