import { describe, expect, it } from 'vitest';
import { BROKERS, counts, gate, harness, once } from './harness.ts';

describe.each(BROKERS)('acks on the %s broker', (kind) => {
  const h = harness(kind);

  it('acks late by default: the message stays reserved while the task runs', async () => {
    const app = h.app();
    const release = gate();
    const slow = app.task('slow', async () => {
      await release.promise;
      return 'done';
    });
    const worker = await h.worker(app);
    const started = once(worker, 'task:started');
    const result = await slow.delay();
    await started;
    expect(await counts(app)).toEqual({ ready: 0, reserved: 1, delayed: 0, dead: 0 });
    expect(worker.active).toBe(1);
    release.open();
    expect(await result.get({ timeout: '10s' })).toBe('done');
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('acks on receipt with acksLate: false', async () => {
    const app = h.app();
    const release = gate();
    const early = app.task('early', { acksLate: false }, async () => {
      await release.promise;
      return 'done';
    });
    const worker = await h.worker(app);
    const started = once(worker, 'task:started');
    const result = await early.delay();
    await started;
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    expect(worker.active).toBe(1);
    release.open();
    expect(await result.get({ timeout: '10s' })).toBe('done');
  });

  it('starts a task acked on receipt at once, while another slot long-polls an empty queue', async () => {
    const app = h.app();
    const release = gate();
    const early = app.task('early', { acksLate: false }, async () => {
      await release.promise;
      return 'done';
    });
    // A free slot's poll would hold the ack's answer for a minute, were it carried there.
    const worker = await h.worker(app, { concurrency: 2, pollTimeout: '60s' });
    const started = once(worker, 'task:started');
    const result = await early.delay();
    await started;
    expect(worker.active).toBe(1);
    release.open();
    expect(await result.get({ timeout: '10s' })).toBe('done');
  });

  it('cannot dead-letter a task acked on receipt', async () => {
    const app = h.app();
    const early = app.task('early', { acksLate: false, retry: { max: 0 } }, () => {
      throw new Error('lost');
    });
    const worker = await h.worker(app);
    const failed = once(worker, 'task:failed');
    const result = await early.delay();
    expect((await failed).reason).toBe('failed, retries disabled: Error: lost');
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    expect(await result.state()).toBe('FAILURE');
  });
});
