import { hostname } from 'node:os';
import type { Envelope } from '../envelope/envelope.ts';
import type { AppEvents } from './app-events.ts';
import { argsRepr } from './args-repr.ts';
import type { ClusterTaskEvent } from './cluster-event.ts';

const HOST = hostname();
const PRODUCER = `${HOST}:${process.pid}`;

/** Emits `task:sent` for envelopes the broker has just stored, when anything wants it. */
export function emitSent(events: AppEvents, envelopes: readonly Envelope[]): void {
  if (!events.wanted('task:sent')) return;
  const timestamp = Date.now();
  for (const envelope of envelopes) {
    const event: ClusterTaskEvent = {
      type: 'task:sent',
      worker: PRODUCER,
      hostname: HOST,
      pid: process.pid,
      timestamp,
      id: envelope.id,
      task: envelope.task,
      queue: envelope.queue,
      retries: envelope.retries,
      argsRepr: argsRepr(envelope.args, envelope.kwargs),
    };
    if (envelope.eta !== undefined) event.eta = Date.parse(envelope.eta);
    events.emit(event);
  }
}
