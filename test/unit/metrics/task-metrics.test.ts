import { describe, expect, it } from 'vitest';
import type { ClusterEvent, ClusterTaskEvent } from '../../../src/events/cluster-event.ts';
import { TaskMetrics } from '../../../src/metrics/index.ts';
import { Exposition } from '../../support/prometheus-text.ts';

const origin = { worker: 'w1@host', hostname: 'host', pid: 1, timestamp: 1_700_000_000_000 };

/** A task event of `type` for task `task` on queue `q`. */
function taskEvent(
  type: ClusterTaskEvent['type'],
  task: string,
  extra: Partial<ClusterTaskEvent> = {},
): ClusterEvent {
  return { ...origin, type, id: `${task}-id`, task, queue: 'q', retries: 0, ...extra };
}

async function expose(metrics: TaskMetrics): Promise<Exposition> {
  return new Exposition(await metrics.registry.metrics());
}

describe('TaskMetrics', () => {
  it('counts events by task, queue and state, and observes runtimes and queue times', async () => {
    const metrics = new TaskMetrics();
    for (let i = 0; i < 3; i++) {
      metrics.record(taskEvent('task:started', 'add', { queuedMs: 40 }));
      metrics.record(taskEvent('task:succeeded', 'add', { runtimeMs: 250 }));
    }
    metrics.record(taskEvent('task:sent', 'add'));
    const out = await expose(metrics);
    expect(out.value('celeriac_tasks_total', { task: 'add', queue: 'q', state: 'started' })).toBe(
      3,
    );
    expect(out.value('celeriac_tasks_total', { task: 'add', queue: 'q', state: 'succeeded' })).toBe(
      3,
    );
    expect(out.value('celeriac_tasks_total', { task: 'add', queue: 'q', state: 'sent' })).toBe(1);
    const series = { task: 'add', queue: 'q' };
    expect(out.type('celeriac_task_runtime_seconds')).toBe('HISTOGRAM');
    expect(out.count('celeriac_task_runtime_seconds', series)).toBe(3);
    expect(out.value('celeriac_task_runtime_seconds_sum', series)).toBe(0.75);
    expect(out.bucket('celeriac_task_runtime_seconds', series, '0.1')).toBe(0);
    expect(out.bucket('celeriac_task_runtime_seconds', series, '0.25')).toBe(3);
    expect(out.count('celeriac_task_queue_time_seconds', series)).toBe(3);
    expect(out.bucket('celeriac_task_queue_time_seconds', series, '0.025')).toBe(0);
    expect(out.bucket('celeriac_task_queue_time_seconds', series, '0.05')).toBe(3);
  });

  it('counts exceptions by class on failures and retries, and retries and deferrals by task', async () => {
    const metrics = new TaskMetrics();
    const boom = { name: 'TypeError', message: 'boom' };
    metrics.record(taskEvent('task:failed', 'pay', { runtimeMs: 5, exception: boom }));
    metrics.record(taskEvent('task:retried', 'pay', { runtimeMs: 5, exception: boom }));
    metrics.record(
      taskEvent('task:retried', 'pay', { exception: { name: 'Timeout', message: '' } }),
    );
    metrics.record(taskEvent('task:rate-limited', 'pay', { until: 1 }));
    const out = await expose(metrics);
    expect(
      out.value('celeriac_task_exceptions_total', { task: 'pay', exception: 'TypeError' }),
    ).toBe(2);
    expect(out.value('celeriac_task_exceptions_total', { task: 'pay', exception: 'Timeout' })).toBe(
      1,
    );
    expect(out.value('celeriac_task_retries_total', { task: 'pay' })).toBe(2);
    expect(out.value('celeriac_rate_limit_deferrals_total', { task: 'pay' })).toBe(1);
    expect(
      out.value('celeriac_tasks_total', { task: 'pay', queue: 'q', state: 'rate-limited' }),
    ).toBe(1);
    // Only attempts that ran have a runtime: two of the three.
    expect(out.count('celeriac_task_runtime_seconds', { task: 'pay', queue: 'q' })).toBe(2);
  });

  it('folds task names past the cap into "other" and counts the folds', async () => {
    const metrics = new TaskMetrics({ limits: { tasks: 2 } });
    for (const task of ['a', 'b', 'c', 'd', 'a']) metrics.record(taskEvent('task:succeeded', task));
    const out = await expose(metrics);
    const tasks = out.samples('celeriac_tasks_total').map((s) => [s.labels?.task, s.value]);
    expect(tasks).toEqual([
      ['a', '2'],
      ['b', '1'],
      ['other', '2'],
    ]);
    expect(out.value('celeriac_metric_labels_folded_total', { label: 'task' })).toBe(2);
  });

  it('caps task-and-queue pairs, folding the queue of a new pair into "other"', async () => {
    const metrics = new TaskMetrics({ limits: { pairs: 3 } });
    for (const [task, queue] of [
      ['a', 'q1'],
      ['a', 'q2'],
      ['b', 'q1'],
      ['b', 'q2'],
      ['a', 'q2'],
    ])
      metrics.record(taskEvent('task:succeeded', task as string, { queue }));
    const out = await expose(metrics);
    const series = out
      .samples('celeriac_tasks_total')
      .map((s) => [s.labels?.task, s.labels?.queue]);
    expect(series).toEqual([
      ['a', 'q1'],
      ['a', 'q2'],
      ['b', 'q1'],
      ['b', 'other'],
    ]);
    expect(out.value('celeriac_tasks_total', { task: 'a', queue: 'q2', state: 'succeeded' })).toBe(
      2,
    );
    expect(out.value('celeriac_metric_labels_folded_total', { label: 'queue' })).toBe(1);
  });

  it('keeps memory bounded under a flood of distinct names', async () => {
    const metrics = new TaskMetrics({ limits: { tasks: 10, queues: 5, exceptions: 3 } });
    for (let i = 0; i < 5000; i++) {
      metrics.record(
        taskEvent('task:failed', `t${i}`, {
          queue: `q${i}`,
          exception: { name: `E${i}`, message: '' },
        }),
      );
    }
    const out = await expose(metrics);
    expect(out.samples('celeriac_tasks_total').length).toBeLessThanOrEqual(11 * 6);
    expect(out.samples('celeriac_task_exceptions_total').length).toBeLessThanOrEqual(11 * 4);
    expect(out.value('celeriac_metric_labels_folded_total', { label: 'task' })).toBe(4990);
  });

  it('cuts very long label values', async () => {
    const metrics = new TaskMetrics();
    metrics.record(taskEvent('task:succeeded', 'x'.repeat(10_000)));
    const [sample] = (await expose(metrics)).samples('celeriac_tasks_total');
    expect(sample?.labels?.task).toBe('x'.repeat(128));
  });

  it('skips malformed events, counting them, and ignores worker events', async () => {
    const metrics = new TaskMetrics();
    const malformed = [
      null,
      'task:succeeded',
      { type: 'task:succeeded', timestamp: 1 },
      { ...taskEvent('task:succeeded', 'ok'), queue: 7 },
      { ...taskEvent('task:succeeded', 'ok'), type: 'task:exploded' },
      taskEvent('task:succeeded', ''),
    ];
    for (const event of malformed) metrics.record(event as ClusterEvent);
    metrics.record({
      ...origin,
      type: 'worker:heartbeat',
      queues: ['q'],
      concurrency: 1,
      active: 0,
      processed: 0,
      pool: 'async',
    });
    // Bad durations and exceptions are left out; the event itself still counts.
    metrics.record(
      taskEvent('task:failed', 'ok', {
        runtimeMs: Number.NaN,
        exception: 'nope' as unknown as ClusterTaskEvent['exception'],
      }),
    );
    metrics.record(taskEvent('task:started', 'ok', { queuedMs: -5 }));
    const out = await expose(metrics);
    expect(out.value('celeriac_events_malformed_total')).toBe(6);
    expect(out.samples('celeriac_tasks_total').map((s) => s.labels?.state)).toEqual([
      'failed',
      'started',
    ]);
    expect(out.value('celeriac_task_exceptions_total', { task: 'ok', exception: 'Error' })).toBe(1);
    expect(out.samples('celeriac_task_runtime_seconds_count')).toEqual([]);
    expect(out.samples('celeriac_task_queue_time_seconds_count')).toEqual([]);
  });

  it('uses its own registry, never the global default one', async () => {
    const { register } = await import('prom-client');
    const metrics = new TaskMetrics();
    expect(metrics.registry).not.toBe(register);
    expect(register.getSingleMetric('celeriac_tasks_total')).toBeUndefined();
  });
});
