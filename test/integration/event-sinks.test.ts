import { describe, expect, it } from 'vitest';
import type { ClusterEvent, EventSink } from '../../src/index.ts';
import { until } from '../e2e/e2e-env.ts';
import { counts, harness } from './harness.ts';

describe('event sinks around a running worker', () => {
  const h = harness('memory');

  it('a sink that throws never fails the task, its result or its ack', async () => {
    const offered: ClusterEvent['type'][] = [];
    const throwing: EventSink = {
      name: 'throwing',
      write(events) {
        offered.push(...events.map((event) => event.type));
        throw new Error('the log store is down');
      },
    };
    const app = h.app({ events: { sinks: [throwing] } });
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await h.worker(app);
    const results = await Promise.all([add.delay(1, 2), add.delay(3, 4)]);
    expect(await Promise.all(results.map((r) => r.get({ timeout: '10s' })))).toEqual([3, 7]);
    await until(
      () => offered.filter((type) => type === 'task:succeeded').length === 2,
      "the worker's task:succeeded events in app.events",
      15_000,
    );
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    const [stats] = app.events.sinkStats();
    expect(stats?.errors).toBeGreaterThan(0);
    expect(stats?.written).toBe(0);
  });
});
