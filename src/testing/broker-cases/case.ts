import type { Broker, Delivery, OutgoingMessage } from '../../brokers/contract/index.ts';
import { sleep } from '../../time/sleep.ts';

/** What each conformance case gets: a connected broker and names no other test uses. */
export interface CaseContext {
  broker: Broker;
  /** A queue name unique to this test run, so brokers on a shared server do not collide. */
  queue(suffix?: string): string;
  /** A second client of the same store (shared brokers) or the same instance (others). */
  another(): Promise<Broker>;
}

/** One named conformance test; the title is the key an adapter uses to skip it. */
export interface BrokerCase {
  title: string;
  run(ctx: CaseContext): Promise<void>;
}

/** Long enough that no lease runs out during a test. */
export const LONG_LEASE = 60_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message whose body is `body-<id>` unless given. */
export function message(
  queue: string,
  id: string,
  extra: Partial<OutgoingMessage> = {},
): OutgoingMessage {
  return { id, queue, body: encoder.encode(`body-${id}`), ...extra };
}

/** Encodes text as a body. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes a body as text. */
export function text(body: Uint8Array): string {
  return decoder.decode(body);
}

/** The ids of deliveries or dead letters, in order. */
export function ids(items: readonly { id: string }[]): string[] {
  return items.map((d) => d.id);
}

/** Lets wall-clock time pass, for leases and delays that are defined by it. */
export function pause(ms: number): Promise<void> {
  return sleep(ms);
}

/** Reserves with a long lease and no wait. */
export function reserveNow(broker: Broker, queues: string[], max = 100): Promise<Delivery[]> {
  return broker.reserve(queues, { max, leaseMs: LONG_LEASE });
}
