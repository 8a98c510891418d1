import type { Delivery } from '../brokers/contract/index.ts';
import { quoteValue } from '../envelope/quote-value.ts';
import { MalformedMessage } from '../errors/errors.ts';

/**
 * Throws a MalformedMessage unless the broker's delivery count is a whole number from 1 (this
 * delivery counts): a corrupted count says the stored message is not what the broker wrote,
 * and a retry or lease built on it would count wrong.
 */
export function checkDeliveryCount(delivery: Delivery): void {
  const count: unknown = delivery.deliveryCount;
  if (!Number.isSafeInteger(count) || (count as number) < 1) {
    throw new MalformedMessage(
      `the broker's delivery count must be a positive integer, got ${quoteValue(count)}`,
    );
  }
}
