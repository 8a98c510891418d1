import { describe, expect, it } from 'vitest';
import { EventTally } from '../../../../src/cli/events/event-tally.ts';
import { renderScreen } from '../../../../src/cli/events/render-screen.ts';
import { taskEvent, workerEvent } from '../../../support/cluster-events.ts';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

function busyTally(): EventTally {
  const tally = new EventTally(T0);
  tally.add(workerEvent({ type: 'worker:online', worker: 'w1@alpha', timestamp: T0 }));
  tally.add(
    workerEvent({ worker: 'w2@beta', queues: ['emails', 'reports'], timestamp: T0 + 60_000 }),
  );
  for (let i = 0; i < 3; i++) tally.add(taskEvent({ type: 'task:started' }));
  tally.add(taskEvent({ type: 'task:succeeded' }));
  for (let i = 0; i < 2; i++)
    tally.add(
      taskEvent({
        type: 'task:failed',
        task: 'tasks.pay',
        exception: { name: 'TimeoutError', message: 'gateway did not answer' },
      }),
    );
  tally.roll(T0 + 2000);
  return tally;
}

describe('renderScreen', () => {
  it('draws the header, rates and totals by state, failures and workers', () => {
    const lines = renderScreen(busyTally().snapshot(T0 + 65_000), {
      broker: 'sqlite://broker.db',
      columns: 200,
    });
    // The states are every task event type: check the first ones, whatever is added later.
    const [tasks, perSecond, total] = lines.slice(2, 5);
    expect(tasks).toMatch(
      /^TASKS {4}sent {2}received {2}started {2}succeeded {2}failed {2}retried /,
    );
    expect(perSecond).toMatch(/^per sec {3}0\.0 {7}0\.0 {6}1\.5 {8}0\.5 {5}1\.0 {6}0\.0 /);
    expect(total).toMatch(/^total {7}0 {9}0 {8}3 {10}1 {7}2 {8}0 /);
    expect(tasks).toContain('rate-limited');
    expect([...lines.slice(0, 2), ...lines.slice(5)].join('\n')).toBe(
      [
        'celeriac events · sqlite://broker.db · up 1m05s · 8 events · q to quit',
        '',
        '',
        'FAILURES  top 1 of 1',
        'count  task       exception     last message',
        '    2  tasks.pay  TimeoutError  gateway did not answer',
        '',
        'WORKERS  1 online of 2',
        'name      queues          active  processed  heartbeat  status',
        'w1@alpha  default            1/4         10  1m05s ago  silent',
        'w2@beta   emails,reports     1/4         10     5s ago  online',
      ].join('\n'),
    );
  });

  it('fits every line into a narrow terminal, wrapping the states', () => {
    const lines = renderScreen(busyTally().snapshot(T0 + 65_000), {
      broker: 'sqlite://a/very/long/path/to/the/broker/file/broker.db',
      columns: 40,
    });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    const totals = lines.filter((line) => line.startsWith('total'));
    expect(totals.length).toBeGreaterThan(1);
    expect(lines.filter((line) => line.startsWith('TASKS')).join(' ')).toContain('rate-limited');
    expect(lines.find((line) => line.startsWith('w2@be'))).toMatch(/^w2@be… +email… +1\/4 +10/);
    expect(lines).toContain('WORKERS  1 online of 2');
  });

  it('cuts the workers table to the terminal height', () => {
    const tally = new EventTally(T0);
    for (let i = 0; i < 30; i++)
      tally.add(workerEvent({ worker: `w${String(i).padStart(2, '0')}@h`, timestamp: T0 }));
    const lines = renderScreen(tally.snapshot(T0), { broker: 'memory://', columns: 120, rows: 24 });
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines.at(-1)).toMatch(/^… \d+ more workers$/);
  });

  it('hints how to get events when none came after a few seconds', () => {
    const tally = new EventTally(T0);
    const frame = { broker: 'memory://', columns: 100 };
    expect(renderScreen(tally.snapshot(T0 + 1000), frame)).not.toContain(
      'no events yet: start workers with --events',
    );
    const lines = renderScreen(tally.snapshot(T0 + 3000), frame);
    expect(lines[1]).toBe('no events yet: start workers with --events');
    expect(lines).toContain('FAILURES  none');
    expect(lines).toContain('WORKERS  none seen');
  });
});
