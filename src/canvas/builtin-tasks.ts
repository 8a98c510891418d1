import type { TaskContext } from '../task/context.ts';
import { BUILTIN_PREFIX } from '../task/registry.ts';

/** The built-in task that runs a task once per item, in one worker slot. */
export const MAP_TASK = `${BUILTIN_PREFIX}map`;
/** The built-in task that runs a task once per argument list, in one worker slot. */
export const STARMAP_TASK = `${BUILTIN_PREFIX}starmap`;

/** What the built-in tasks need of the app. */
export interface BuiltinHost {
  task(
    name: string,
    handler: (ctx: TaskContext, taskName: string, items: unknown[]) => Promise<unknown[]>,
  ): unknown;
  runInline(name: string, args: unknown[]): Promise<unknown>;
}

/**
 * Registers `celeriac.map` and `celeriac.starmap`: each calls a registered task's handler in
 * turn, in the worker that received it, and returns the values in order (Celery's xmap and
 * xstarmap). One message for many small calls, where a group would send one each.
 */
export function registerBuiltinTasks(app: BuiltinHost): void {
  app.task(MAP_TASK, (ctx, taskName, items) =>
    runEach(app, ctx, taskName, items, (item) => [item]),
  );
  app.task(STARMAP_TASK, (ctx, taskName, items) =>
    runEach(app, ctx, taskName, items, (item) => {
      if (!Array.isArray(item))
        throw new TypeError(`${STARMAP_TASK} of "${taskName}": each item must be an argument list`);
      return item;
    }),
  );
}

async function runEach(
  app: BuiltinHost,
  ctx: TaskContext,
  taskName: string,
  items: unknown[],
  argsOf: (item: unknown) => unknown[],
): Promise<unknown[]> {
  if (typeof taskName !== 'string' || !Array.isArray(items))
    throw new TypeError(`${ctx.name} expects a task name and a list of items`);
  const values: unknown[] = [];
  for (const item of items) {
    ctx.signal.throwIfAborted();
    values.push(await app.runInline(taskName, argsOf(item)));
  }
  return values;
}
