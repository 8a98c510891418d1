import { describe, expect, it } from 'vitest';
import { BROKERS_WITH_REDIS, counts, deadReasons, events, harness } from './harness.ts';

// A retry delay comes from user code (a backoff function). One that is not a finite number of
// ms reached the broker as `availableAt: NaN`: SQLite refused it with a bare `NOT NULL
// constraint failed`, and the message was left without an outcome. It must end in the
// dead-letter queue with a reason naming the task and the option.
describe.each(BROKERS_WITH_REDIS)('retry delays from user code on the %s broker', (kind) => {
  const h = harness(kind);

  for (const [what, backoff] of [
    ['NaN', () => Number.NaN],
    ['a string', () => 'soon' as unknown as number],
    ['undefined', () => undefined as unknown as number],
  ] as const) {
    it(`dead-letters a failed attempt whose backoff gives ${what}, naming the task and the option`, async () => {
      const app = h.app();
      let attempts = 0;
      const flaky = app.task('reports.flaky', { retry: { max: 3, backoff } }, () => {
        attempts++;
        throw new Error('upstream down');
      });
      const worker = h.idleWorker(app);
      const dead = events(worker, 'message:dead-lettered', 1);
      await worker.start();
      await flaky.delay();
      await dead;
      await worker.stop();

      expect(attempts).toBe(1);
      const [reason] = await deadReasons(app);
      expect(reason).toMatch(
        /^failed, not retryable: CeleriacError: task "reports\.flaky": retry\.backoff gave /,
      );
      expect(reason).toMatch(/; not retried \(the attempt failed with Error: upstream down\)$/);
      expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 1 });
    });
  }

  it('dead-letters a failed attempt whose backoff throws, naming the task and the option', async () => {
    const app = h.app();
    const backoff = (): number => {
      throw new RangeError('bad table');
    };
    const flaky = app.task('reports.throws', { retry: { max: 3, backoff } }, () => {
      throw new Error('upstream down');
    });
    const worker = h.idleWorker(app);
    const dead = events(worker, 'message:dead-lettered', 1);
    await worker.start();
    await flaky.delay();
    await dead;
    await worker.stop();

    expect(await deadReasons(app)).toEqual([
      'failed, not retryable: CeleriacError: task "reports.throws": retry.backoff threw ' +
        'RangeError: bad table; not retried (the attempt failed with Error: upstream down)',
    ]);
  });
});
