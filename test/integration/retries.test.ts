import { describe, expect, it } from 'vitest';
import { validateEnvelope } from '../../src/envelope/envelope.ts';
import { Reject, type TaskState } from '../../src/index.ts';
import { BROKERS, counts, deadReasons, events, harness, once } from './harness.ts';

describe.each(BROKERS)('retries on the %s broker', (kind) => {
  const h = harness(kind);

  it('succeeds on the third attempt after two failures, storing RETRY in between', async () => {
    const app = h.app();
    const seen: Array<{ retries: number; stateBefore: TaskState }> = [];
    const flaky = app.task('flaky', { retry: { max: 3, base: 10, jitter: false } }, async (ctx) => {
      seen.push({ retries: ctx.retries, stateBefore: await app.asyncResult(ctx.id).state() });
      if (ctx.retries < 2) throw new Error(`failure ${ctx.retries + 1}`);
      return { retries: ctx.retries, maxRetries: ctx.maxRetries };
    });
    const worker = await h.worker(app);
    const retried = events(worker, 'task:retried', 2);
    const result = await flaky.delay();
    expect(await result.get({ timeout: '10s' })).toEqual({ retries: 2, maxRetries: 3 });
    expect(seen).toEqual([
      { retries: 0, stateBefore: 'PENDING' },
      { retries: 1, stateBefore: 'RETRY' },
      { retries: 2, stateBefore: 'RETRY' },
    ]);
    const retries = await retried;
    expect(retries.map((e) => [e.retries, e.delayMs, e.error.message])).toEqual([
      [0, 10, 'failure 1'],
      [1, 20, 'failure 2'],
    ]);
    expect(await result.info()).toMatchObject({ state: 'SUCCESS', retries: 2 });
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('stores the RETRY state with the error while the retry waits', async () => {
    const app = h.app();
    const waits = app.task('waits', { retry: { max: 1, base: '1h', jitter: false } }, () => {
      throw new Error('try later');
    });
    const worker = await h.worker(app);
    const retried = once(worker, 'task:retried');
    const result = await waits.delay();
    await retried;
    expect(await result.info()).toMatchObject({
      state: 'RETRY',
      retries: 0,
      error: { name: 'Error', message: 'try later' },
    });
    expect(await result.ready()).toBe(false);
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 1, dead: 0 });
  });

  it('retries after the countdown of ctx.retry(), reporting its error', async () => {
    const app = h.app();
    const attempts: number[] = [];
    const polite = app.task('polite', { retry: { max: 5, base: '1h' } }, (ctx) => {
      attempts.push(ctx.retries);
      if (ctx.retries === 0) ctx.retry({ countdown: 20, error: new Error('upstream busy') });
      return 'ok';
    });
    const worker = await h.worker(app);
    const retried = once(worker, 'task:retried');
    const result = await polite.delay();
    expect(await result.get({ timeout: '10s' })).toBe('ok');
    const event = await retried;
    expect(event.delayMs).toBe(20);
    expect(event.error.message).toBe('upstream busy');
    expect(attempts).toEqual([0, 1]);
  });

  it('fails after exhausting its retries and dead-letters the message', async () => {
    const app = h.app();
    let attempts = 0;
    const doomed = app.task('doomed', { retry: { max: 2, base: 5, jitter: false } }, () => {
      attempts++;
      throw new Error('database unreachable');
    });
    const worker = await h.worker(app);
    const dead = once(worker, 'message:dead-lettered');
    const failed = once(worker, 'task:failed');
    const result = await doomed.delay();
    await expect(result.get({ timeout: '10s' })).rejects.toThrow(
      `task doomed[${result.id}] ended in FAILURE: Error: database unreachable`,
    );
    const reason = 'retries exhausted (2 of 2): Error: database unreachable';
    expect(await failed).toMatchObject({ id: result.id, retries: 2, reason });
    expect(await dead).toEqual({ id: result.id, queue: 'default', reason });
    expect(attempts).toBe(3);
    expect(await result.info()).toMatchObject({ state: 'FAILURE', retries: 2 });
    expect(await deadReasons(app)).toEqual([reason]);
    const [letter] = await app.broker.listDeadLetters();
    // The dead letter keeps the last message: its id travels beside the body.
    expect(letter?.id).toBe(result.id);
    if (!letter) throw new Error('no dead letter');
    expect(validateEnvelope(app.serializer.decode(letter.body), letter)).toMatchObject({
      task: 'doomed',
      retries: 2,
    });
  });

  it('fails a Reject at once, without retries', async () => {
    const app = h.app();
    let attempts = 0;
    const strict = app.task('strict', { retry: { max: 5, base: 5 } }, (_ctx, input: string) => {
      attempts++;
      throw new Reject(`invalid input ${JSON.stringify(input)}`);
    });
    const worker = await h.worker(app);
    const dead = once(worker, 'message:dead-lettered');
    const result = await strict.delay('?');
    await expect(result.get({ timeout: '10s' })).rejects.toThrow(
      'ended in FAILURE: Reject: invalid input "?"',
    );
    expect((await dead).reason).toBe('rejected: Reject: invalid input "?"');
    expect(attempts).toBe(1);
    expect(await result.info()).toMatchObject({ state: 'FAILURE', retries: 0 });
  });

  it('does not retry an error that autoretryFor does not match', async () => {
    const app = h.app();
    class NetworkError extends Error {}
    let attempts = 0;
    const picky = app.task(
      'picky',
      { retry: { max: 3, base: 5, autoretryFor: [NetworkError] } },
      (_ctx, kind: string) => {
        attempts++;
        if (kind === 'network' && attempts < 2) throw new NetworkError('reset');
        if (kind === 'bug') throw new RangeError('index out of range');
        return kind;
      },
    );
    const worker = await h.worker(app, { concurrency: 1 });
    const retryable = await picky.delay('network');
    expect(await retryable.get({ timeout: '10s' })).toBe('network');
    expect(attempts).toBe(2);

    attempts = 0;
    const dead = once(worker, 'message:dead-lettered');
    const bug = await picky.delay('bug');
    await expect(bug.get({ timeout: '10s' })).rejects.toThrow('RangeError: index out of range');
    expect((await dead).reason).toBe('failed, not retryable: RangeError: index out of range');
    expect(attempts).toBe(1);
  });

  it('acks a failed task with deadLetter: false, leaving nothing behind', async () => {
    const app = h.app();
    const dropped = app.task('dropped', { deadLetter: false, retry: { max: 0 } }, () => {
      throw new Error('gone');
    });
    const worker = await h.worker(app);
    const failed = once(worker, 'task:failed');
    let deadLettered = 0;
    worker.events.on('message:dead-lettered', () => deadLettered++);
    const result = await dropped.delay();
    expect((await failed).reason).toBe('failed, retries disabled: Error: gone');
    await worker.stop();
    expect(deadLettered).toBe(0);
    expect(await deadReasons(app)).toEqual([]);
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    expect(await result.state()).toBe('FAILURE');
  });

  it('republishes a retry of a task acked on receipt', async () => {
    const app = h.app();
    const early = app.task(
      'early',
      { acksLate: false, retry: { max: 2, base: 5, jitter: false } },
      (ctx) => {
        if (ctx.retries === 0) throw new Error('first time');
        return ctx.retries;
      },
    );
    await h.worker(app);
    const result = await early.delay();
    expect(await result.get({ timeout: '10s' })).toBe(1);
  });
});
