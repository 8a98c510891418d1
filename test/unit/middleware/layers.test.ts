import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ResultBackend, TaskOptions, TaskResultRecord } from '../../../src/index.ts';
import {
  MemoryBackend,
  Reject,
  SoftTimeLimitExceeded,
  TimeLimitExceeded,
} from '../../../src/index.ts';
import { compose, type Middleware, toStoredError } from '../../../src/middleware/middleware.ts';
import { resultLayer } from '../../../src/middleware/result-layer.ts';
import { retryLayer } from '../../../src/middleware/retry-layer.ts';
import { timeLimitLayer } from '../../../src/middleware/time-limit-layer.ts';
import type { TaskContext } from '../../../src/task/context.ts';
import { resolveTaskOptions } from '../../../src/task/resolve-options.ts';
import { invokeHandler, runAttempt } from '../../../src/task/run-attempt.ts';

const log = pino({ level: 'silent' });

function envelope(retries = 0) {
  return {
    v: 1 as const,
    id: `id-${retries}`,
    task: 't',
    args: [],
    queue: 'q',
    retries,
    rootId: 'r',
  };
}

function run(
  layers: Middleware[],
  options: TaskOptions,
  handler: (ctx: TaskContext) => unknown,
  retries = 0,
) {
  const task = { name: 't', options: resolveTaskOptions(options, {}, false), handler };
  return runAttempt(compose(layers, invokeHandler), task, envelope(retries), { eager: false, log });
}

describe('retryLayer', () => {
  it('turns a thrown error into a retry with the policy delay', async () => {
    const error = new Error('flaky');
    const outcome = await run([retryLayer], { retry: { base: 40, jitter: false } }, () => {
      throw error;
    });
    expect(outcome).toEqual({ kind: 'retry', delayMs: 40, error });
  });

  it('reports the cause of ctx.retry(), not the Retry itself', async () => {
    const cause = new Error('upstream 503');
    const outcome = await run([retryLayer], {}, (ctx) =>
      ctx.retry({ countdown: '2s', error: cause }),
    );
    expect(outcome).toEqual({ kind: 'retry', delayMs: 2000, error: cause });
  });

  it('fails a Reject at once', async () => {
    const outcome = await run([retryLayer], {}, () => {
      throw new Reject('bad input');
    });
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'rejected' });
  });

  it('wraps a thrown non-Error', async () => {
    const outcome = await run([retryLayer], { retry: { max: 0 } }, () => {
      throw 'plain string';
    });
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'exhausted' });
    expect(outcome.kind === 'failure' && outcome.error.message).toBe('plain string');
  });
});

describe('timeLimitLayer', () => {
  it('aborts ctx.signal with SoftTimeLimitExceeded and lets the handler finish', async () => {
    const outcome = await run([timeLimitLayer], { softTimeLimit: 20 }, async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      const reason = ctx.signal.reason as Error;
      return `${reason instanceof SoftTimeLimitExceeded}: ${reason.message}`;
    });
    expect(outcome).toEqual({ kind: 'success', value: 'true: soft time limit of 20 ms exceeded' });
  });

  it('fails with TimeLimitExceeded at the hard limit, without waiting for the handler', async () => {
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    let signal: AbortSignal | undefined;
    const attempt = run(
      [retryLayer, timeLimitLayer],
      { timeLimit: 20, retry: { max: 0 } },
      async (ctx) => {
        signal = ctx.signal;
        await hanging;
      },
    );
    const outcome = await attempt;
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'exhausted' });
    const error = outcome.kind === 'failure' ? outcome.error : undefined;
    expect(error).toBeInstanceOf(TimeLimitExceeded);
    expect(error?.message).toBe('time limit of 20 ms exceeded');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    release();
  });

  it('keeps the soft limit as the abort reason when the hard one follows', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await run(
      [retryLayer, timeLimitLayer],
      { softTimeLimit: 10, timeLimit: 30, retry: { max: 0 } },
      (ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      },
    );
    expect(outcome.kind === 'failure' && outcome.error).toBeInstanceOf(TimeLimitExceeded);
    expect(signal?.reason).toBeInstanceOf(SoftTimeLimitExceeded);
  });

  it('does nothing to a task without limits', async () => {
    expect(await run([timeLimitLayer], {}, () => 'done')).toEqual({
      kind: 'success',
      value: 'done',
    });
  });
});

describe('resultLayer', () => {
  const layers = (backend: ResultBackend) => [resultLayer(backend, 0, log), retryLayer];

  it('stores SUCCESS with the value', async () => {
    const backend = new MemoryBackend();
    await run(layers(backend), {}, () => ({ ok: true }));
    expect(await backend.get('id-0')).toMatchObject({
      id: 'id-0',
      task: 't',
      state: 'SUCCESS',
      value: { ok: true },
      retries: 0,
    });
  });

  it('stores RETRY and FAILURE with the error as data', async () => {
    const backend = new MemoryBackend();
    await run(layers(backend), { retry: { max: 1 } }, () => {
      throw new TypeError('nope');
    });
    expect(await backend.get('id-0')).toMatchObject({
      state: 'RETRY',
      error: { name: 'TypeError', message: 'nope' },
    });
    await run(
      layers(backend),
      { retry: { max: 1 } },
      () => {
        throw new TypeError('nope');
      },
      1,
    );
    expect(await backend.get('id-1')).toMatchObject({
      state: 'FAILURE',
      retries: 1,
      error: { name: 'TypeError', message: 'nope' },
    });
  });

  it('stores STARTED first when tracked', async () => {
    const backend = new MemoryBackend();
    let during: TaskResultRecord | undefined;
    await run(layers(backend), { trackStarted: true }, async () => {
      during = await backend.get('id-0');
    });
    expect(during?.state).toBe('STARTED');
    expect((await backend.get('id-0'))?.state).toBe('SUCCESS');
  });

  it('stores nothing when the task ignores its result', async () => {
    const backend = new MemoryBackend();
    await run(layers(backend), { ignoreResult: true, trackStarted: true }, () => 1);
    expect(await backend.get('id-0')).toBeUndefined();
  });

  it('keeps the outcome when the backend cannot store it', async () => {
    const broken = new MemoryBackend();
    broken.set = async () => {
      throw new Error('disk full');
    };
    expect(await run(layers(broken), {}, () => 5)).toEqual({ kind: 'success', value: 5 });
  });
});

describe('toStoredError', () => {
  it('keeps name, message, a string code and the stack', () => {
    const error = Object.assign(new RangeError('too big'), { code: 'E_BIG' });
    expect(toStoredError(error)).toEqual({
      name: 'RangeError',
      message: 'too big',
      code: 'E_BIG',
      stack: error.stack,
    });
    expect(toStoredError(Object.assign(new Error('x'), { code: 42 }))).not.toHaveProperty('code');
  });
});
