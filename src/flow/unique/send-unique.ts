import type { Coordination, OutgoingMessage } from '../../brokers/contract/index.ts';
import type { UniqueClaim } from '../../brokers/contract/unique-store.ts';
import type { Envelope } from '../../envelope/envelope.ts';
import type { RegisteredTask } from '../../task/registry.ts';
import { claimKeyOf, markClaim } from './unique-key.ts';
import { uniqueSpecOf } from './unique-option.ts';
import { requireUniqueStore } from './unique-support.ts';

/** What a unique send needs of the app. */
export interface UniqueSendHost {
  /** Its unique claims are the broker's own (taken with the enqueue). */
  readonly coordination: Coordination;
  readonly brokerLabel: string;
  /** Runs the publish hooks, encodes the envelopes and hands their messages to `store`. */
  publish<T>(envelopes: Envelope[], store: (messages: OutgoingMessage[]) => Promise<T>): Promise<T>;
}

/**
 * The claim key of each call of a unique task (undefined for other tasks). Computed before
 * anything is sent, so a key function that fails rejects the whole call with nothing stored.
 */
export function uniqueClaimKeys(
  task: RegisteredTask | undefined,
  argsList: unknown[][],
): string[] | undefined {
  const option = task?.options.unique;
  if (!task || !option) return undefined;
  const keyOf = option.key as (...args: unknown[]) => unknown;
  return argsList.map((args) => claimKeyOf(task.name, keyOf, args));
}

/**
 * Sends each envelope unless its key is claimed, claiming it in the same broker operation.
 * Returns, per envelope, the id of the task that holds its key: its own, or the earlier one's.
 */
export async function sendUnique(
  host: UniqueSendHost,
  task: RegisteredTask,
  envelopes: Envelope[],
  claimKeys: string[],
): Promise<string[]> {
  const store = requireUniqueStore(host.coordination, `the broker ${host.brokerLabel}`, task.name);
  const spec = uniqueSpecOf(task.options.unique);
  if (!spec) throw new Error(`task "${task.name}" is not a unique task`);
  const now = Date.now();
  envelopes.forEach((envelope, i) => {
    markClaim(envelope, claimKeys[i] as string);
  });
  const claimsOf = (messages: OutgoingMessage[]): UniqueClaim[] =>
    messages.map((message, i) => ({
      message,
      key: claimKeys[i] as string,
      ttlMs: claimTtlMs(spec.ttlMs, envelopes[i] as Envelope, now),
    }));
  const sends = await host.publish(envelopes, (messages) =>
    store.enqueueUnique(claimsOf(messages)),
  );
  return sends.map((send) => send.id);
}

/**
 * How long a new claim lives: `ttl` counted from when the task is due (its eta, or now), so a
 * countdown does not eat into it; never past the task's expiry, after which it cannot run.
 */
export function claimTtlMs(ttlMs: number, envelope: Envelope, now: number): number {
  const due = envelope.eta === undefined ? now : Math.max(Date.parse(envelope.eta), now);
  let end = due + ttlMs;
  if (envelope.expires !== undefined) end = Math.min(end, Date.parse(envelope.expires));
  return Math.max(1, end - now);
}
