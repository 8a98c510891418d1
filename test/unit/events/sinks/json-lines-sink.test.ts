import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, jsonLinesSink } from '../../../../src/index.ts';
import { taskEvent, workerEvent } from '../../../support/cluster-events.ts';

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('jsonLinesSink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-sink-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends each event as one JSON line, through the app, flushed at close', async () => {
    const path = join(dir, 'events.jsonl');
    const app = createApp({
      broker: 'memory://',
      logLevel: 'silent',
      events: { sinks: [jsonLinesSink(path)] },
    });
    const sent = [
      taskEvent({ type: 'task:started', queuedMs: 4 }),
      taskEvent({ type: 'task:failed', exception: { name: 'Error', message: 'boom\nline 2' } }),
      workerEvent(),
    ];
    for (const event of sent) app.events.emit(event);
    await app.close();
    expect(lines(path)).toEqual(sent);
    expect(app.events.sinkStats()).toEqual([
      { sink: `json-lines:${path}`, written: 3, dropped: 0, errors: 0 },
    ]);
  });

  it('appends to an existing file and reopens it after close', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = jsonLinesSink(path, { name: 'audit' });
    expect(sink.name).toBe('audit');
    await sink.write([taskEvent({ id: 'a' })]);
    await sink.close?.();
    await sink.write([taskEvent({ id: 'b' })]);
    await sink.close?.();
    const another = jsonLinesSink(path);
    await another.write([taskEvent({ id: 'c' })]);
    await another.close?.();
    expect(lines(path).map((event) => event.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps only the types it is given', async () => {
    const path = join(dir, 'outcomes.jsonl');
    const app = createApp({ broker: 'memory://', logLevel: 'silent' });
    app.events.addSink(jsonLinesSink(path, { types: ['task:succeeded', 'task:failed'] }));
    app.events.emit(taskEvent({ type: 'task:started', id: 'skip' }));
    app.events.emit(taskEvent({ type: 'task:succeeded', id: 'ok' }));
    app.events.emit(workerEvent());
    app.events.emit(taskEvent({ type: 'task:failed', id: 'bad' }));
    await app.close();
    expect(lines(path).map((event) => event.id)).toEqual(['ok', 'bad']);
  });

  it('renames the file to <path>.1 once it would pass rotateBytes', async () => {
    const path = join(dir, 'events.jsonl');
    const lineBytes = JSON.stringify(taskEvent({ id: 'x0' })).length + 1;
    const sink = jsonLinesSink(path, { rotateBytes: lineBytes * 3 });
    for (let i = 0; i < 5; i++) await sink.write([taskEvent({ id: `x${i}` })]);
    await sink.close?.();
    expect(lines(`${path}.1`).map((event) => event.id)).toEqual(['x0', 'x1', 'x2']);
    expect(lines(path).map((event) => event.id)).toEqual(['x3', 'x4']);
  });

  it('says so when the directory is missing, at the first write', async () => {
    const path = join(dir, 'missing', 'events.jsonl');
    const sink = jsonLinesSink(path);
    await expect(sink.write([taskEvent()])).rejects.toThrow(
      `cannot write events to ${path}: directory does not exist`,
    );
  });

  it('rejects bad arguments at creation', () => {
    expect(() => jsonLinesSink('')).toThrow('jsonLinesSink: expected a file path');
    expect(() => jsonLinesSink('x.jsonl', { rotateBytes: 0 })).toThrow(
      'jsonLinesSink: rotateBytes must be a positive integer, got 0',
    );
    expect(() => jsonLinesSink('x.jsonl', { types: ['task:done' as 'task:failed'] })).toThrow(
      'jsonLinesSink: unknown event type "task:done"; expected one of task:sent,',
    );
    expect(() => jsonLinesSink('x.jsonl', { types: [] })).toThrow(
      'jsonLinesSink: types must be a non-empty list of event types',
    );
  });
});
