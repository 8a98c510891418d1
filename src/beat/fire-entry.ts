import type { CanvasHost } from '../canvas/canvas-host.ts';
import type { CanvasNode, NodeOptions, TaskNode } from '../canvas/canvas-node.ts';
import { sendWorkflow } from '../canvas/send-workflow.ts';
import { parseDuration } from '../time/duration.ts';
import type { BeatEntry } from './beat-entry.ts';

/**
 * The workflow one tick sends: the entry's args and queue applied, and an expiry so a run that
 * waits longer than one interval is dropped rather than piled up behind the next.
 */
export function nodeForTick(entry: BeatEntry, tick: number, now: number): CanvasNode {
  const { args, queue } = entry.options;
  const expiresAt = new Date(now + expiryMs(entry, tick)).toISOString();
  const base =
    args !== undefined && entry.node.kind === 'task' ? { ...entry.node, args } : entry.node;
  return mapStartingTasks(base, (task) => {
    // The entry and tick travel as headers: a task can tell which run it is (ctx.headers).
    const headers = {
      ...task.options.headers,
      'celeriac.beat.entry': entry.name,
      'celeriac.beat.tick': tick,
    };
    const options: NodeOptions = { ...task.options, headers };
    if (queue !== undefined) options.queue = queue;
    const ownExpiry = options.expires !== undefined || options.expiresAt !== undefined;
    if (entry.options.expires !== undefined || !ownExpiry) {
      delete options.expires;
      options.expiresAt = expiresAt;
    }
    return { ...task, options };
  });
}

/** How long a run sent for `tick` stays valid: the entry's `expires`, else one interval. */
export function expiryMs(entry: BeatEntry, tick: number): number {
  if (entry.options.expires !== undefined) return parseDuration(entry.options.expires);
  const next = entry.schedule.next(tick);
  return next === undefined ? 0 : next - tick;
}

/** Sends the workflow of one tick; resolves with the id of the first task sent. */
export async function fireTick(
  host: CanvasHost,
  entry: BeatEntry,
  tick: number,
  now: number,
): Promise<string> {
  const result = await sendWorkflow(host, nodeForTick(entry, tick, now));
  return result.id;
}

/** Applies `change` to the tasks that start when the workflow is sent. */
function mapStartingTasks(node: CanvasNode, change: (task: TaskNode) => TaskNode): CanvasNode {
  switch (node.kind) {
    case 'task':
      return change(node);
    case 'chain': {
      const [first, ...rest] = node.steps;
      return first === undefined
        ? node
        : { ...node, steps: [mapStartingTasks(first, change), ...rest] };
    }
    case 'group':
      return { ...node, members: node.members.map((m) => mapStartingTasks(m, change)) };
    case 'chord':
      return { ...node, members: node.members.map((m) => mapStartingTasks(m, change)) };
  }
}
