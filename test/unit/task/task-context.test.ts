import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { attemptBatch, batchOfOne } from '../../../src/batching/batch-attempt.ts';
import type { BatchContext, BatchItem } from '../../../src/batching/batch-handler.ts';
import type { RegisteredBatchTask } from '../../../src/batching/batch-spec.ts';
import type { Envelope } from '../../../src/envelope/envelope.ts';
import { Retry } from '../../../src/errors/errors.ts';
import type { Execution } from '../../../src/middleware/middleware.ts';
import type { TaskContext } from '../../../src/task/context.ts';
import { resolveTaskOptions } from '../../../src/task/resolve-options.ts';
import { runAttempt } from '../../../src/task/run-attempt.ts';

const log = pino({ level: 'silent' });

function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    id: 'id-1',
    task: 't',
    args: [1, 'two'],
    queue: 'q',
    retries: 2,
    rootId: 'root-1',
    ...overrides,
  };
}

const task = {
  name: 't',
  options: resolveTaskOptions({ retry: { max: 5 } }, {}, false),
  handler: () => undefined,
};

/** The context runAttempt hands its pipeline. */
async function contextOf(env: Envelope, eager = false, signal?: AbortSignal): Promise<TaskContext> {
  let seen: TaskContext | undefined;
  await runAttempt(
    async (execution: Execution) => {
      seen = execution.ctx;
      execution.outcome = { kind: 'success', value: undefined };
    },
    task,
    env,
    { eager, log, signal },
  );
  if (!seen) throw new Error('the pipeline did not run');
  return seen;
}

/** The context and items a batch handler receives for these envelopes. */
async function batchOf(
  envelopes: Envelope[],
  eager = false,
): Promise<{ ctx: BatchContext; items: BatchItem[] }> {
  let seen: { ctx: BatchContext; items: BatchItem[] } | undefined;
  const batchTask: RegisteredBatchTask = {
    ...task,
    batch: {
      maxSize: 10,
      maxWaitMs: 10,
      handler: (ctx, items) => {
        seen = { ctx, items };
      },
    },
  };
  await attemptBatch(batchTask, envelopes, { eager, log });
  if (!seen) throw new Error('the batch handler did not run');
  return seen;
}

describe('the task context', () => {
  it('carries the message and the task, as own fields', async () => {
    const kwargs = { a: 1 };
    const headers = { h: 'v' };
    const ctx = await contextOf(envelope({ parentId: 'p-1', kwargs, headers }), true);
    expect({ ...ctx }).toEqual({
      id: 'id-1',
      name: 't',
      retries: 2,
      maxRetries: 5,
      queue: 'q',
      rootId: 'root-1',
      parentId: 'p-1',
      kwargs,
      headers,
      eager: true,
    });
    expect(ctx.kwargs).toBe(kwargs);
    expect(ctx.headers).toBe(headers);
  });

  it('gives frozen empty kwargs and headers, and a null parent, when the message has none', async () => {
    const ctx = await contextOf(envelope());
    expect(ctx.kwargs).toEqual({});
    expect(ctx.headers).toEqual({});
    expect(Object.isFrozen(ctx.kwargs)).toBe(true);
    expect(Object.isFrozen(ctx.headers)).toBe(true);
    expect(ctx.parentId).toBeNull();
    expect(ctx.eager).toBe(false);
  });

  it('binds its logger to the task id, name and retries', async () => {
    const ctx = await contextOf(envelope());
    expect(ctx.log.bindings()).toEqual({ taskId: 'id-1', task: 't', retries: 2 });
    expect(ctx.log).toBe(ctx.log);
  });

  it('gives a signal that follows the outer one', async () => {
    const outer = new AbortController();
    outer.abort(new Error('shutdown'));
    const ctx = await contextOf(envelope(), false, outer.signal);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toEqual(new Error('shutdown'));
  });

  it('throws a Retry with the countdown and cause from retry()', async () => {
    const ctx = await contextOf(envelope());
    const cause = new Error('later');
    let thrown: unknown;
    try {
      ctx.retry({ countdown: '2s', error: cause });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Retry);
    expect(thrown).toMatchObject({ delayMs: 2000, cause });
  });
});

describe('the batch context and items', () => {
  it('carries the name, the size and the mode, as own fields', async () => {
    const { ctx } = await batchOf([envelope(), envelope({ id: 'id-2' })], true);
    expect({ ...ctx }).toEqual({ name: 't', size: 2, eager: true });
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.log.bindings()).toEqual({ task: 't', batchSize: 2 });
  });

  it('gives each item the fields of its own message', async () => {
    const kwargs = { a: 1 };
    const headers = { h: 'v' };
    const { items } = await batchOf([
      envelope({ kwargs, headers }),
      envelope({ id: 'id-2', args: [3], retries: 0 }),
    ]);
    expect(items).toEqual([
      { id: 'id-1', args: [1, 'two'], retries: 2, kwargs, headers },
      { id: 'id-2', args: [3], retries: 0, kwargs: {}, headers: {} },
    ]);
    expect(items[0]?.kwargs).toBe(kwargs);
    expect(Object.isFrozen(items[1]?.kwargs)).toBe(true);
    expect(Object.isFrozen(items[1]?.headers)).toBe(true);
  });
});

describe('the batch of one', () => {
  it("is a view of the task context: its signal and logger are the attempt's own", async () => {
    const kwargs = { a: 1 };
    const ctx = await contextOf(envelope({ kwargs }), true);
    const { ctx: batchCtx, item } = batchOfOne('t', ctx, [7]);
    expect(batchCtx).toMatchObject({ name: 't', size: 1, eager: true });
    expect(batchCtx.signal).toBe(ctx.signal);
    expect(batchCtx.log).toBe(ctx.log);
    expect(item).toEqual({ id: 'id-1', args: [7], retries: 2, kwargs, headers: {} });
    expect(item.kwargs).toBe(kwargs);
    expect(item.headers).toBe(ctx.headers);
  });
});
