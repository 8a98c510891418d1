import type { Envelope } from '../envelope/envelope.ts';
import type { AppEvents } from './app-events.ts';
import { argsRepr } from './args-repr.ts';
import type { ClusterTaskEvent, EventOrigin, TaskEventType } from './cluster-event.ts';
import type { TaskEvent, WorkerEvents } from './worker-events.ts';

type Origin = Omit<EventOrigin, 'timestamp'>;

/**
 * Turns a worker's in-process events into cluster events on `app.events`, once something
 * wants them (a listener, a sink, or `send`): a worker nobody observes pays nothing per task.
 */
export function bridgeWorkerEvents(
  events: WorkerEvents,
  appEvents: AppEvents,
  origin: Origin,
  sending: () => boolean,
): void {
  appEvents.whenActive(() => attachBridge(events, appEvents, origin, sending));
}

function attachBridge(
  events: WorkerEvents,
  appEvents: AppEvents,
  origin: Origin,
  sending: () => boolean,
): void {
  const emit = (type: TaskEventType, base: TaskEvent, extra: Partial<ClusterTaskEvent> = {}) => {
    appEvents.emit({
      type,
      ...origin,
      timestamp: Date.now(),
      id: base.id,
      task: base.task,
      queue: base.queue,
      retries: base.retries,
      ...extra,
    });
  };
  const wanted = (type: TaskEventType) => sending() || appEvents.wanted(type);
  events.on('task:received', (e) => {
    if (wanted('task:received')) emit('task:received', e, receivedFields(e.envelope));
  });
  events.on('task:started', (e) => {
    if (wanted('task:started'))
      emit('task:started', e, e.queuedMs === undefined ? {} : { queuedMs: e.queuedMs });
  });
  events.on('task:succeeded', (e) => {
    if (wanted('task:succeeded')) emit('task:succeeded', e, { runtimeMs: e.runtimeMs });
  });
  events.on('task:retried', (e) => {
    if (wanted('task:retried'))
      emit('task:retried', e, {
        delayMs: e.delayMs,
        exception: exceptionOf(e.error),
        ...(e.runtimeMs === undefined ? {} : { runtimeMs: e.runtimeMs }),
      });
  });
  events.on('task:failed', (e) => {
    if (wanted('task:failed'))
      emit('task:failed', e, {
        exception: exceptionOf(e.error),
        reason: e.reason,
        ...(e.runtimeMs === undefined ? {} : { runtimeMs: e.runtimeMs }),
      });
  });
  events.on('task:expired', (e) => {
    if (wanted('task:expired')) emit('task:expired', e);
  });
  events.on('task:revoked', (e) => {
    if (wanted('task:revoked')) emit('task:revoked', e, { reason: e.reason });
  });
  events.on('task:deferred', (e) => {
    const type = e.rateLimited ? 'task:rate-limited' : 'task:deferred';
    if (wanted(type)) emit(type, e, { until: e.until, reason: e.reason });
  });
  events.on('task:rejected', (e) => {
    if (!wanted('task:rejected')) return;
    const base = { id: e.id, task: e.task ?? '(unknown)', queue: e.queue, retries: 0 };
    emit('task:rejected', base, { reason: e.reason });
  });
}

function receivedFields(envelope: Envelope): Partial<ClusterTaskEvent> {
  const fields: Partial<ClusterTaskEvent> = { argsRepr: argsRepr(envelope.args, envelope.kwargs) };
  if (envelope.eta !== undefined) fields.eta = Date.parse(envelope.eta);
  return fields;
}

/** The class name and message of an error, as events carry it. */
export function exceptionOf(error: Error): { name: string; message: string } {
  return { name: error.name, message: error.message };
}
