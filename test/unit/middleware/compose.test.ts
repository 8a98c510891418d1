import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Execution, Middleware } from '../../../src/index.ts';
import { compose } from '../../../src/middleware/middleware.ts';
import type { RegisteredTask } from '../../../src/task/registry.ts';
import { resolveTaskOptions } from '../../../src/task/resolve-options.ts';
import { invokeHandler, runAttempt } from '../../../src/task/run-attempt.ts';

const log = pino({ level: 'silent' });
const execution = {} as Execution;

describe('compose', () => {
  it('runs layers outermost first, the core in the middle, then unwinds', async () => {
    const order: string[] = [];
    const layer =
      (name: string): Middleware =>
      async (_execution, next) => {
        order.push(`${name}:before`);
        await next();
        order.push(`${name}:after`);
      };
    const run = compose([layer('a'), layer('b'), layer('c')], async () => {
      order.push('core');
    });
    await run(execution);
    expect(order).toEqual([
      'a:before',
      'b:before',
      'c:before',
      'core',
      'c:after',
      'b:after',
      'a:after',
    ]);
  });

  it('runs the core alone when there are no layers', async () => {
    let ran = 0;
    await compose([], async () => {
      ran++;
    })(execution);
    expect(ran).toBe(1);
  });

  it('passes the same execution to every layer and the core', async () => {
    const seen: Execution[] = [];
    const spy: Middleware = async (e, next) => {
      seen.push(e);
      await next();
    };
    await compose([spy, spy], async (e) => {
      seen.push(e);
    })(execution);
    expect(seen).toEqual([execution, execution, execution]);
    expect(seen.every((e) => e === execution)).toBe(true);
  });

  it('rejects a second call to next()', async () => {
    let cores = 0;
    let second: unknown;
    const twice: Middleware = async (_e, next) => {
      await next();
      second = await next().catch((error: unknown) => error);
    };
    await compose([twice], async () => {
      cores++;
    })(execution);
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toBe('middleware called next() twice');
    expect(cores).toBe(1);
  });

  it('lets a layer skip the rest of the chain', async () => {
    const order: string[] = [];
    const stop: Middleware = async () => {
      order.push('stop');
    };
    const after: Middleware = async (_e, next) => {
      order.push('after');
      await next();
    };
    await compose([stop, after], async () => {
      order.push('core');
    })(execution);
    expect(order).toEqual(['stop']);
  });

  it('propagates an error of the core through the layers that do not catch it', async () => {
    const order: string[] = [];
    const passThrough: Middleware = async (_e, next) => {
      order.push('in');
      await next();
      order.push('not reached');
    };
    const run = compose([passThrough], async () => {
      throw new Error('core failed');
    });
    await expect(run(execution)).rejects.toThrow('core failed');
    expect(order).toEqual(['in']);
  });
});

describe('runAttempt', () => {
  const task = (handler: RegisteredTask['handler']): RegisteredTask => ({
    name: 't',
    options: resolveTaskOptions({}, {}, false),
    handler,
  });
  const envelope = {
    v: 1 as const,
    id: 'id-1',
    task: 't',
    args: [2, 3],
    queue: 'q',
    retries: 1,
    rootId: 'root',
    parentId: 'parent',
    kwargs: { k: 1 },
    headers: { h: 2 },
  };

  it('calls the handler with a context and the arguments', async () => {
    let context: unknown;
    const outcome = await runAttempt(
      compose([], invokeHandler),
      task((ctx: unknown, a: number, b: number) => {
        context = ctx;
        return a * b;
      }),
      envelope,
      { eager: false, log },
    );
    expect(outcome).toEqual({ kind: 'success', value: 6 });
    expect(context).toMatchObject({
      id: 'id-1',
      name: 't',
      retries: 1,
      maxRetries: 3,
      queue: 'q',
      rootId: 'root',
      parentId: 'parent',
      kwargs: { k: 1 },
      headers: { h: 2 },
      eager: false,
    });
  });

  it('reports a middleware that never called next() as a failure', async () => {
    const swallow: Middleware = async () => {};
    const outcome = await runAttempt(
      compose([swallow], invokeHandler),
      task(() => 1),
      envelope,
      {
        eager: false,
        log,
      },
    );
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'not-retryable' });
    expect(outcome.kind === 'failure' && outcome.error.message).toBe(
      'a middleware ended the attempt without calling next()',
    );
  });

  it('aborts ctx.signal when the outer signal aborts, with its reason', async () => {
    const outer = new AbortController();
    const reason = new Error('shutting down');
    const outcome = await runAttempt(
      compose([], invokeHandler),
      task(async (ctx: { signal: AbortSignal }) => {
        outer.abort(reason);
        return ctx.signal.aborted && ctx.signal.reason;
      }),
      envelope,
      { eager: false, log, signal: outer.signal },
    );
    expect(outcome).toEqual({ kind: 'success', value: reason });
  });
});
