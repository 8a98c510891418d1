import { UnknownTask } from '../errors/errors.ts';
import type { TaskRegistry } from '../task/registry.ts';
import type { CanvasNode, TaskNode } from './canvas-node.ts';

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
  for (const task of taskNodesOf(node)) yield task.task;
}

/** Every task call of a workflow: each step, member, chord body and callback. */
export function* taskNodesOf(node: CanvasNode): Generator<TaskNode> {
  switch (node.kind) {
    case 'task':
      yield node;
      for (const callback of [...(node.options.link ?? []), ...(node.options.linkError ?? [])])
        yield* taskNodesOf(callback);
      return;
    case 'chain':
      for (const step of node.steps) yield* taskNodesOf(step);
      return;
    case 'group':
      for (const member of node.members) yield* taskNodesOf(member);
      return;
    case 'chord':
      for (const member of [...node.members, node.body, ...(node.linkError ?? [])])
        yield* taskNodesOf(member);
      return;
  }
}
