import {
  type ClusterEvent,
  type ClusterTaskEvent,
  type ClusterWorkerEvent,
  isTaskEvent,
} from '../../events/cluster-event.ts';

/**
 * One plain line for an event, for `celeriac events --dump`: time, type, then what matters for
 * that type, e.g. `2026-11-22T08:00:00.123Z task:succeeded tasks.add 3f2a… worker=w1@host
 * runtime=12ms`. Stays on one line whatever the event's messages hold.
 */
export function formatEventLine(event: ClusterEvent): string {
  const head = `${new Date(event.timestamp).toISOString()} ${event.type}`;
  const fields = isTaskEvent(event) ? taskFields(event) : workerFields(event);
  return printable([head, ...fields].join(' '));
}

function taskFields(event: ClusterTaskEvent): string[] {
  const fields = [event.task, event.id, `worker=${event.worker}`];
  if (event.queue) fields.push(`queue=${event.queue}`);
  if (event.retries > 0) fields.push(`retries=${event.retries}`);
  if (event.queuedMs !== undefined) fields.push(`queued=${event.queuedMs}ms`);
  if (event.runtimeMs !== undefined) fields.push(`runtime=${event.runtimeMs}ms`);
  if (event.delayMs !== undefined) fields.push(`delay=${event.delayMs}ms`);
  if (event.until !== undefined) fields.push(`until=${new Date(event.until).toISOString()}`);
  if (event.eta !== undefined) fields.push(`eta=${new Date(event.eta).toISOString()}`);
  const reason = reasonWithoutException(event);
  if (reason !== undefined) fields.push(`reason=${JSON.stringify(reason)}`);
  if (event.exception)
    fields.push(`exception=${event.exception.name}: ${JSON.stringify(event.exception.message)}`);
  if (event.argsRepr !== undefined) fields.push(`args=${event.argsRepr}`);
  return fields;
}

// A failure's reason often ends with its exception (`retries exhausted (3 of 3): Error: boom`),
// which the line shows on its own.
function reasonWithoutException(event: ClusterTaskEvent): string | undefined {
  const { reason, exception } = event;
  if (reason === undefined || !exception) return reason;
  const suffix = `: ${exception.name}: ${exception.message}`;
  return reason.endsWith(suffix) ? reason.slice(0, -suffix.length) : reason;
}

function workerFields(event: ClusterWorkerEvent): string[] {
  return [
    event.worker,
    `queues=${event.queues.join(',')}`,
    `active=${event.active}/${event.concurrency}`,
    `processed=${event.processed}`,
    `pool=${event.pool}`,
    `pid=${event.pid}`,
  ];
}

/**
 * `text` with control characters (newlines, escape sequences) replaced by spaces: a line stream
 * stays one event per line, and a task's message cannot drive the terminal.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}
