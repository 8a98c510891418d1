import { describeValue } from '../config/describe-value.ts';
import { CeleriacError } from '../errors/errors.ts';
import type { Delivery, NackOptions, OutgoingMessage } from './contract/index.ts';

// A time that is not a finite number (NaN from a caller's arithmetic, say) would be stored as
// nothing by one broker, as never due by another, and refused with a driver's message that
// names no message by a third: every broker refuses it first, the same way.

/** Refuses a batch in which a message's `availableAt` is given and not a finite epoch ms. */
export function checkAvailableAt(messages: readonly OutgoingMessage[]): void {
  for (const m of messages) {
    if (m.availableAt !== undefined) checkTime(m.id, 'availableAt', m.availableAt);
  }
}

/** Refuses a nack whose `retryAt` is not a finite epoch ms. */
export function checkRetryAt(delivery: Delivery, options: NackOptions): void {
  if (!('deadLetter' in options)) checkTime(delivery.id, 'retryAt', options.retryAt);
}

function checkTime(id: string, field: string, value: unknown): void {
  if (typeof value === 'number' && Number.isFinite(value)) return;
  throw new CeleriacError(
    'MESSAGE_INVALID',
    `message ${describeValue(id)}: ${field} must be a finite number of epoch ms, not ${describeValue(value)}`,
  );
}
