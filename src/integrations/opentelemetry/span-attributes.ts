import type { Attributes } from '@opentelemetry/api';
import type { Envelope } from '../../envelope/envelope.ts';
import type { Outcome } from '../../middleware/middleware.ts';

/** `messaging.system` of every span: the semantic conventions name the messaging product. */
export const MESSAGING_SYSTEM = 'celeriac';

/** What producer and consumer spans of one message share (OTel messaging conventions). */
function messageAttributes(envelope: Envelope): Attributes {
  return {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.destination.name': envelope.queue,
    'messaging.message.id': envelope.id,
    // The workflow the task belongs to: its first task's id.
    'messaging.message.conversation_id': envelope.rootId,
    'celeriac.task.name': envelope.task,
  };
}

/** The attributes of the span of a send. */
export function producerAttributes(envelope: Envelope): Attributes {
  const attributes: Attributes = {
    ...messageAttributes(envelope),
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
  };
  if (envelope.eta !== undefined) attributes['celeriac.task.eta'] = envelope.eta;
  if (envelope.parentId) attributes['celeriac.task.parent_id'] = envelope.parentId;
  return attributes;
}

/** The attributes of the span of one attempt on a worker. */
export function consumerAttributes(envelope: Envelope, workerName: string): Attributes {
  const attributes: Attributes = {
    ...messageAttributes(envelope),
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.client.id': workerName,
    'celeriac.task.retries': envelope.retries,
  };
  if (envelope.parentId) attributes['celeriac.task.parent_id'] = envelope.parentId;
  return attributes;
}

/** The attributes an attempt's end adds: how it ended and, if it failed, the error's type. */
export function outcomeAttributes(outcome: Outcome): Attributes {
  if (outcome.kind === 'success') return { 'celeriac.task.outcome': 'success' };
  return { 'celeriac.task.outcome': outcome.kind, 'error.type': outcome.error.name };
}
