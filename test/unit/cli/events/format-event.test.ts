import { describe, expect, it } from 'vitest';
import { formatEventLine } from '../../../../src/cli/events/format-event.ts';
import { taskEvent, workerEvent } from '../../../support/cluster-events.ts';

describe('formatEventLine', () => {
  it('prints a success with its runtime', () => {
    expect(formatEventLine(taskEvent({ id: '3f2a', runtimeMs: 12 }))).toBe(
      '2026-11-22T08:00:00.123Z task:succeeded tasks.add 3f2a worker=w1@host queue=default runtime=12ms',
    );
  });

  it('prints what each kind of event is about', () => {
    const line = (fields: Parameters<typeof taskEvent>[0]) =>
      formatEventLine(taskEvent({ id: 'i', ...fields })).split(' queue=default')[1];
    expect(line({ type: 'task:started', queuedMs: 40 })).toBe(' queued=40ms');
    expect(
      line({
        type: 'task:failed',
        retries: 2,
        runtimeMs: 5,
        exception: { name: 'TypeError', message: 'x is\nundefined' },
      }),
    ).toBe(' retries=2 runtime=5ms exception=TypeError: "x is\\nundefined"');
    expect(
      line({
        type: 'task:failed',
        retries: 3,
        exception: { name: 'SmtpError', message: '421 busy' },
        reason: 'retries exhausted (3 of 3): SmtpError: 421 busy',
      }),
    ).toBe(' retries=3 reason="retries exhausted (3 of 3)" exception=SmtpError: "421 busy"');
    expect(line({ type: 'task:revoked', reason: 'revoked by id' })).toBe(' reason="revoked by id"');
    expect(
      line({ type: 'task:rate-limited', reason: 'rate limit 1/s', until: Date.UTC(2026, 0, 1) }),
    ).toBe(' until=2026-01-01T00:00:00.000Z reason="rate limit 1/s"');
    expect(line({ type: 'task:rejected', reason: 'unknown task' })).toBe(' reason="unknown task"');
  });

  it('prints a worker with its load', () => {
    expect(formatEventLine(workerEvent({ queues: ['a', 'b'] }))).toBe(
      '2026-11-22T08:00:00.000Z worker:heartbeat w1@host queues=a,b active=1/4 processed=10 pool=async pid=1234',
    );
  });

  it('keeps one event on one line, without terminal control sequences', () => {
    const line = formatEventLine(taskEvent({ argsRepr: "['a\nb', '\u001b[2Jc']" }));
    expect(line.includes('\n') || line.includes('\u001b')).toBe(false);
    expect(line).toContain("args=['a b', ' [2Jc']");
  });
});
