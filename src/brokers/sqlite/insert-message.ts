import type { OutgoingMessage } from '../contract/index.ts';
import { checkAvailableAt } from '../message-times.ts';
import { DELAYED, READY } from './schema.ts';
import type { Statements } from './statements.ts';

/**
 * Inserts one outgoing message as ready, or delayed when it is not due yet. Throws on an
 * `availableAt` that is not a time: called inside a transaction, the whole batch is refused.
 */
export function insertMessage(stmts: Statements, message: OutgoingMessage, now: number): void {
  checkAvailableAt([message]);
  const delayed = message.availableAt !== undefined && message.availableAt > now;
  stmts.insert.run({
    id: message.id,
    queue: message.queue,
    priority: message.priority ?? 0,
    state: delayed ? DELAYED : READY,
    availableAt: message.availableAt ?? now,
    body: toBuffer(message.body),
    now,
  });
}

/** The body as a Buffer, without copying when it already is one. */
export function toBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
