import type { BatchSpec } from '../batching/batch-spec.ts';
import { UnknownTask } from '../errors/errors.ts';
import type { TaskContext } from './context.ts';
import type { ResolvedTaskOptions } from './options.ts';

/** Names of the tasks every app registers itself (map, starmap). */
export const BUILTIN_PREFIX = 'celeriac.';

/** A task as the worker sees it: a name, its resolved options and its handler. */
export interface RegisteredTask {
  readonly name: string;
  readonly options: ResolvedTaskOptions;
  readonly handler: (ctx: TaskContext, ...args: never[]) => unknown;
  /** Set for batch tasks (`app.batchTask`): the worker buffers their messages into batches. */
  readonly batch?: BatchSpec;
}

/** The tasks of one app, by name. Registering records only: nothing connects. */
export class TaskRegistry {
  private readonly tasks = new Map<string, RegisteredTask>();

  /** Adds a task; a second task with the same name is an error. */
  add(task: RegisteredTask): void {
    if (this.tasks.has(task.name)) {
      throw new Error(`task "${task.name}" is already registered`);
    }
    this.tasks.set(task.name, task);
  }

  /** The task, or undefined. */
  find(name: string): RegisteredTask | undefined {
    return this.tasks.get(name);
  }

  /** The task, or UnknownTask. */
  get(name: string): RegisteredTask {
    const task = this.tasks.get(name);
    if (!task) throw new UnknownTask(name);
    return task;
  }

  /** True when any task other than Celeriac's own built-ins (`celeriac.*`) is registered. */
  hasUserTasks(): boolean {
    for (const name of this.tasks.keys()) if (!name.startsWith(BUILTIN_PREFIX)) return true;
    return false;
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.tasks.keys()].sort();
  }
}
