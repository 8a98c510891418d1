import { UnknownTask } from '../errors/errors.ts';
import type { TaskRegistry } from '../task/registry.ts';
import type { CanvasNode } from './canvas-node.ts';

/**
 * Fails on the caller's side when a workflow names a task this app does not register, in any
 * step, callback or chord body. Skipped by producers that register no tasks of their own: they
 * send by name, and a worker dead-letters a name it does not know.
 */
export function checkTaskNames(registry: TaskRegistry, nodes: CanvasNode[]): void {
  if (!registry.hasUserTasks()) return;
  for (const node of nodes) {
    for (const name of taskNamesOf(node)) if (!registry.find(name)) throw new UnknownTask(name);
  }
}

function* taskNamesOf(node: CanvasNode): Generator<string> {
  switch (node.kind) {
    case 'task':
      yield node.task;
      for (const callback of [...(node.options.link ?? []), ...(node.options.linkError ?? [])])
        yield* taskNamesOf(callback);
      return;
    case 'chain':
      for (const step of node.steps) yield* taskNamesOf(step);
      return;
    case 'group':
      for (const member of node.members) yield* taskNamesOf(member);
      return;
    case 'chord':
      for (const member of [...node.members, node.body, ...(node.linkError ?? [])])
        yield* taskNamesOf(member);
      return;
  }
}
