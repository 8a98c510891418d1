import { Writable } from 'node:stream';
import pino from 'pino';
import type { ClusterTaskEvent, ClusterWorkerEvent } from '../../src/index.ts';

/** A task event with made-up but plausible fields; `fields` override them. */
export function taskEvent(fields: Partial<ClusterTaskEvent> = {}): ClusterTaskEvent {
  return {
    type: 'task:succeeded',
    id: 'task-id',
    task: 'tasks.add',
    queue: 'default',
    retries: 0,
    worker: 'w1@host',
    hostname: 'host',
    pid: 1234,
    timestamp: Date.UTC(2026, 10, 22, 8, 0, 0, 123),
    ...fields,
  };
}

/** A worker event of `w1@host`; `fields` override it. */
export function workerEvent(fields: Partial<ClusterWorkerEvent> = {}): ClusterWorkerEvent {
  return {
    type: 'worker:heartbeat',
    worker: 'w1@host',
    hostname: 'host',
    pid: 1234,
    timestamp: Date.UTC(2026, 10, 22, 8, 0, 0, 0),
    queues: ['default'],
    concurrency: 4,
    active: 1,
    processed: 10,
    pool: 'async',
    intervalMs: 2000,
    ...fields,
  };
}

/** A pino logger that keeps what it logs, parsed, for assertions on log lines. */
export function capturingLogger() {
  const records: Array<Record<string, unknown> & { msg: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), records };
}
