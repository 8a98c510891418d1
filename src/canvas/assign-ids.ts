import { randomUUID } from 'node:crypto';
import type { CanvasNode, ChordNode, GroupNode, TaskNode } from './canvas-node.ts';
import type { ResultRef } from './result-ref.ts';

/** A node with the ids of every task in it fixed, and where its outcome will be stored. */
export interface IdentifiedNode {
  node: CanvasNode;
  ref: ResultRef;
}

/**
 * Copies a workflow, giving every task (and group and chord) an id now, before anything is
 * sent: a chain's result is its last step's, which is sent only when the step before it ends,
 * so the caller's handle must know that id in advance.
 */
export function assignIds(node: CanvasNode): IdentifiedNode {
  switch (node.kind) {
    case 'task': {
      const id = node.options.id ?? randomUUID();
      const copy: TaskNode = { ...node, options: { ...node.options, id } };
      return { node: copy, ref: { kind: 'one', id } };
    }
    case 'chain': {
      const steps = node.steps.map(assignIds);
      const last = steps.at(-1);
      if (!last) throw new TypeError('a chain needs at least one step');
      return { node: { kind: 'chain', steps: steps.map((step) => step.node) }, ref: last.ref };
    }
    case 'group': {
      const id = node.id ?? randomUUID();
      const members = node.members.map(assignIds);
      const copy: GroupNode = { kind: 'group', id, members: members.map((member) => member.node) };
      return { node: copy, ref: { kind: 'group', id, members: members.map((m) => m.ref) } };
    }
    case 'chord': {
      const id = node.id ?? randomUUID();
      const members = node.members.map((member) => assignIds(member).node);
      const body = assignIds(node.body);
      const copy: ChordNode = { ...node, id, members, body: body.node };
      return { node: copy, ref: body.ref };
    }
  }
}
