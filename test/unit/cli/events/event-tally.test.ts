import { describe, expect, it } from 'vitest';
import { EventTally } from '../../../../src/cli/events/event-tally.ts';
import { taskEvent, workerEvent } from '../../../support/cluster-events.ts';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

describe('EventTally', () => {
  it('counts task events by state, and rates over the last closed interval', () => {
    const tally = new EventTally(T0);
    for (let i = 0; i < 4; i++) tally.add(taskEvent({ type: 'task:started' }));
    tally.add(taskEvent({ type: 'task:succeeded' }));
    expect(tally.snapshot(T0 + 500).rates['task:started']).toBe(0);
    tally.roll(T0 + 2000);
    tally.add(taskEvent({ type: 'task:started' }));
    const snapshot = tally.snapshot(T0 + 2500);
    expect(snapshot.eventsSeen).toBe(6);
    expect(snapshot.totals).toMatchObject({
      'task:started': 5,
      'task:succeeded': 1,
      'task:failed': 0,
    });
    expect(snapshot.rates).toMatchObject({ 'task:started': 2, 'task:succeeded': 0.5 });
    tally.roll(T0 + 3000);
    expect(tally.snapshot(T0 + 3000).rates).toMatchObject({
      'task:started': 1,
      'task:succeeded': 0,
    });
  });

  it('groups failures by task and exception, most frequent first, with the last message', () => {
    const tally = new EventTally(T0);
    const fail = (task: string, name: string, message: string) =>
      tally.add(taskEvent({ type: 'task:failed', task, exception: { name, message } }));
    fail('tasks.pay', 'TimeoutError', 'gateway slow');
    fail('tasks.mail', 'SmtpError', 'refused');
    fail('tasks.pay', 'TimeoutError', 'gateway slower');
    fail('tasks.pay', 'TypeError', 'x is undefined');
    tally.add(taskEvent({ type: 'task:failed', task: 'tasks.old', reason: 'expired' }));
    expect(tally.snapshot(T0).failures).toEqual([
      { task: 'tasks.pay', exception: 'TimeoutError', count: 2, lastMessage: 'gateway slower' },
      { task: 'tasks.mail', exception: 'SmtpError', count: 1, lastMessage: 'refused' },
      { task: 'tasks.old', exception: 'expired', count: 1, lastMessage: 'expired' },
      { task: 'tasks.pay', exception: 'TypeError', count: 1, lastMessage: 'x is undefined' },
    ]);
  });

  it('follows workers from their events: online, silent after 2.5 beats, offline', () => {
    const tally = new EventTally(T0);
    tally.add(workerEvent({ type: 'worker:online', worker: 'a@h', timestamp: T0, active: 0 }));
    tally.add(workerEvent({ worker: 'b@h', timestamp: T0, intervalMs: 1000, active: 3 }));
    tally.add(workerEvent({ worker: 'a@h', timestamp: T0 + 1000, active: 2, processed: 7 }));
    const at = (now: number) =>
      tally.snapshot(now).workers.map((w) => [w.name, w.status, w.active, w.processed]);
    expect(at(T0 + 2000)).toEqual([
      ['a@h', 'online', 2, 7],
      ['b@h', 'online', 3, 10],
    ]);
    // b beats every second: silent past 2.5 s; a every 2 s (its heartbeat says): past 5 s.
    expect(at(T0 + 2600)).toEqual([
      ['a@h', 'online', 2, 7],
      ['b@h', 'silent', 3, 10],
    ]);
    tally.add(workerEvent({ type: 'worker:offline', worker: 'a@h', timestamp: T0 + 3000 }));
    const rows = tally.snapshot(T0 + 6100).workers;
    expect(rows.map((w) => [w.name, w.status, w.lastHeartbeatAt])).toEqual([
      ['a@h', 'offline', T0 + 1000],
      ['b@h', 'silent', T0],
    ]);
    expect(tally.snapshot(T0).eventsSeen).toBe(4);
  });

  it('adds workers from the registry that no event described', () => {
    const tally = new EventTally(T0);
    tally.add(workerEvent({ worker: 'a@h', timestamp: T0, processed: 99 }));
    const info = {
      hostname: 'h',
      pid: 1,
      queues: ['q1', 'q2'],
      concurrency: 8,
      active: 1,
      processed: 5,
      pool: 'threads',
      startedAt: T0 - 60_000,
      heartbeatAt: T0 - 1000,
    };
    tally.addWorkers([
      { ...info, name: 'a@h' },
      { ...info, name: 'c@h' },
    ]);
    expect(tally.snapshot(T0).workers).toEqual([
      expect.objectContaining({ name: 'a@h', processed: 99 }),
      {
        name: 'c@h',
        queues: ['q1', 'q2'],
        active: 1,
        concurrency: 8,
        processed: 5,
        lastHeartbeatAt: T0 - 1000,
        status: 'online',
      },
    ]);
    expect(tally.snapshot(T0).eventsSeen).toBe(1);
  });
});
