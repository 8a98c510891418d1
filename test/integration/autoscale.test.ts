import { describe, expect, it } from 'vitest';
import { parseAutoscale } from '../../src/worker/autoscaler.ts';
import { until } from '../e2e/e2e-env.ts';
import { events, gate, harness } from './harness.ts';

describe('autoscale', () => {
  const h = harness('memory');

  it('grows to max with a backlog, never holding more than its slots, and shrinks to min when idle', async () => {
    const app = h.app({ defaultQueue: 'scale' });
    const release = gate();
    const hold = app.task('scale.hold', async () => release.promise);
    const worker = h.idleWorker(app, {
      autoscale: { max: 4, min: 1, intervalMs: 20, idleChecks: 3 },
    });
    expect(worker.concurrency).toBe(1);
    const fourStarted = events(worker, 'task:started', 4);
    await worker.start();
    await hold.delayMany(Array.from({ length: 10 }, () => [] as []));
    await fourStarted;
    expect(worker.concurrency).toBe(4);
    expect(await app.broker.stats('scale')).toMatchObject({ reserved: 4, ready: 6 });
    const allDone = events(worker, 'task:succeeded', 10);
    release.open();
    await allDone;
    await until(() => worker.concurrency === 1, 'the pool to shrink back to 1 slot');
  });

  it('parses max,min and says what is wrong with a bad value', () => {
    expect(parseAutoscale('10,3')).toEqual({ max: 10, min: 3 });
    expect(() => parseAutoscale('3,10')).toThrow(
      'autoscale needs 1 ≤ min ≤ max, got max 3, min 10',
    );
    expect(() => parseAutoscale('0,0')).toThrow('autoscale needs 1 ≤ min ≤ max, got max 0, min 0');
    expect(() => parseAutoscale('10')).toThrow('expected max,min such as 10,3, got "10"');
  });
});
