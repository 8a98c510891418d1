import { checkCarried } from '../app/json-carried.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { AsyncResult } from '../result/async-result.ts';
import { assignIds } from './assign-ids.ts';
import type { CanvasHost } from './canvas-host.ts';
import type { CanvasNode } from './canvas-node.ts';
import { checkTaskNames, taskNodesOf } from './check-task-names.ts';
import type { GroupResult } from './group-result.ts';
import { planSends } from './plan-sends.ts';
import { resultOf } from './result-ref.ts';

/** Sends a workflow from the caller's side: what can start now is stored in one broker call. */
export async function sendWorkflow(
  host: CanvasHost,
  node: CanvasNode,
): Promise<AsyncResult | GroupResult> {
  const { node: identified, ref } = assignIds(node);
  checkTaskNames(host.registry, [identified]);
  checkNodeValues(identified);
  const out: Envelope[] = [];
  planSends({ host }, identified, undefined, {}, out);
  await host.dispatch(out);
  return resultOf(ref, host.results());
}

/** Refuses, naming the task and the path, any argument, kwarg or header JSON cannot carry in any step. */
export function checkNodeValues(node: CanvasNode): void {
  for (const task of taskNodesOf(node)) {
    const { kwargs, headers } = task.options;
    checkCarried(task.task, { args: task.args, kwargs, headers });
  }
}

/** True when a workflow holds a chord: an explicit one, or a group followed by more steps. */
export function needsChordJoin(node: CanvasNode): boolean {
  switch (node.kind) {
    case 'task':
      return [...(node.options.link ?? []), ...(node.options.linkError ?? [])].some(needsChordJoin);
    case 'chord':
      return true;
    case 'group':
      return node.members.some(needsChordJoin);
    case 'chain':
      return node.steps.some(
        (step, index) =>
          needsChordJoin(step) || (step.kind === 'group' && index < node.steps.length - 1),
      );
  }
}
