import { describe, expect, it } from 'vitest';
import {
  type App,
  type ChunkedTaskOptions,
  ConfigError,
  createApp,
  MemoryBackend,
  MemoryBroker,
} from '../../../src/index.ts';

function newApp(): App {
  return createApp({ broker: new MemoryBroker(), backend: new MemoryBackend() }, {});
}

/** Registers with options the types would refuse, as a JavaScript caller could. */
function define(options: Record<string, unknown>) {
  return () =>
    newApp().chunkedTask(
      'mail.users',
      options as unknown as ChunkedTaskOptions<'id'>,
      async () => ({ processed: 0 }),
    );
}

const DAY = new Date('2024-01-01T00:00:00.000Z');
const id = { cursor: 'id', chunkSize: 100, pause: '1s' };
const time = { cursor: 'time', start: DAY, step: '1h', pause: '100ms' };

describe('app.chunkedTask options', () => {
  it.each([
    [
      'an unknown cursor kind',
      { ...id, cursor: 'page' },
      `invalid config "tasks['mail.users'].cursor": expected "id" or "time", got "page"`,
    ],
    [
      'a missing cursor',
      { chunkSize: 100, pause: '1s' },
      `invalid config "tasks['mail.users'].cursor": expected "id" or "time", got undefined`,
    ],
    [
      'a chunkSize of 0',
      { ...id, chunkSize: 0 },
      `invalid config "tasks['mail.users'].chunkSize": expected a positive integer, got 0`,
    ],
    [
      'a fractional chunkSize',
      { ...id, chunkSize: 2.5 },
      `invalid config "tasks['mail.users'].chunkSize": expected a positive integer, got 2.5`,
    ],
    [
      'a missing chunkSize',
      { cursor: 'id', pause: '1s' },
      `invalid config "tasks['mail.users'].chunkSize": expected a positive integer, got undefined`,
    ],
    [
      'a missing pause',
      { cursor: 'id', chunkSize: 100 },
      `invalid config "tasks['mail.users'].pause": required: the pause between chunks, such as '1s', '100ms' or 0`,
    ],
    [
      'an invalid pause',
      { ...id, pause: 'soon' },
      `invalid config "tasks['mail.users'].pause": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"`,
    ],
    [
      'a negative pause',
      { ...id, pause: -1 },
      `invalid config "tasks['mail.users'].pause": expected a non-negative number of milliseconds, got -1`,
    ],
    [
      'a missing step',
      { cursor: 'time', start: DAY, pause: 0 },
      `invalid config "tasks['mail.users'].step": required: the length of one chunk, such as '1s', '100ms' or 0`,
    ],
    [
      'an invalid step',
      { ...time, step: 'hourly' },
      `invalid config "tasks['mail.users'].step": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "hourly"`,
    ],
    [
      'a step of 0',
      { ...time, step: 0 },
      `invalid config "tasks['mail.users'].step": must be longer than 0`,
    ],
    [
      'an invalid start date',
      { ...time, start: new Date('not a date') },
      `invalid config "tasks['mail.users'].start": expected a valid Date, got Invalid Date`,
    ],
    [
      'a start that is a string',
      { ...time, start: '2024-01-01' },
      `invalid config "tasks['mail.users'].start": expected a valid Date, got "2024-01-01"`,
    ],
    [
      'an end before start',
      { ...time, end: new Date('2023-12-31T00:00:00.000Z') },
      `invalid config "tasks['mail.users'].end": 2023-12-31T00:00:00.000Z is not after start 2024-01-01T00:00:00.000Z`,
    ],
    [
      'acksLate: false',
      { ...id, acksLate: false },
      `invalid config "tasks['mail.users'].acksLate": a chunked task needs acksLate (the default): a chunk acked on receipt dies with its worker, and its run stops`,
    ],
    [
      'an option of the other cursor kind',
      { ...id, step: '1h' },
      `invalid config "tasks['mail.users'].step": is an option of cursor "time", not of cursor "id"`,
    ],
    [
      'an unknown option',
      { ...id, batch: 5 },
      `invalid config "tasks['mail.users'].batch": unknown key (known: queue, priority, retry, softTimeLimit, timeLimit, expires, ignoreResult, acksLate, trackStarted, deadLetter, rateLimit, lock, unique, concurrency)`,
    ],
  ])('rejects %s with the exact message', (_label, options, message) => {
    expect(define(options)).toThrow(ConfigError);
    expect(define(options)).toThrow(message);
  });

  it('rejects a pause the progress would not outlive', () => {
    const app = createApp(
      { broker: new MemoryBroker(), backend: new MemoryBackend(), resultTtl: '1h' },
      {},
    );
    const attempt = () =>
      app.chunkedTask('mail.users', { cursor: 'id', chunkSize: 1, pause: '2h' }, async () => ({
        processed: 0,
      }));
    expect(attempt).toThrow(
      `invalid config "tasks['mail.users'].pause": 7200000 ms is not shorter than resultTtl (3600000 ms), which keeps a run's progress between chunks`,
    );
    const forever = createApp(
      { broker: new MemoryBroker(), backend: new MemoryBackend(), resultTtl: 0 },
      {},
    );
    expect(
      forever.chunkedTask('mail.users', { cursor: 'id', chunkSize: 1, pause: '2d' }, async () => ({
        processed: 0,
      })).taskName,
    ).toBe('mail.users');
  });

  it('rejects a missing handler', () => {
    const app = newApp();
    const attempt = () =>
      app.chunkedTask('mail.users', { cursor: 'id', chunkSize: 1, pause: 0 }, undefined as never);
    expect(attempt).toThrow('chunked task "mail.users" needs a handler function');
  });

  it('passes the task options on and registers the task under its name', () => {
    const app = newApp();
    const task = app.chunkedTask(
      'mail.users',
      { cursor: 'id', chunkSize: 10, pause: '1s', queue: 'bulk', retry: { max: 7 } },
      async () => ({ processed: 0 }),
    );
    expect(task.taskName).toBe('mail.users');
    const registered = app.registry.get('mail.users');
    expect(registered.options.queue).toBe('bulk');
    expect(registered.options.retry.max).toBe(7);
  });

  it('acks chunks late even when the app defaults to acking early', () => {
    const app = createApp(
      {
        broker: new MemoryBroker(),
        backend: new MemoryBackend(),
        taskDefaults: { acksLate: false },
      },
      {},
    );
    app.chunkedTask('mail.users', { cursor: 'id', chunkSize: 1, pause: 0 }, async () => ({
      processed: 0,
    }));
    expect(app.registry.get('mail.users').options.acksLate).toBe(true);
  });
});
