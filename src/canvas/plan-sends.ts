import { randomUUID } from 'node:crypto';
import { buildEnvelope } from '../app/build-envelope.ts';
import type { Envelope } from '../envelope/envelope.ts';
import { CeleriacError } from '../errors/errors.ts';
import type { SendOptions } from '../task/options.ts';
import type { CanvasHost } from './canvas-host.ts';
import type { CanvasNode, ChordMembership, ChordNode, GroupNode, TaskNode } from './canvas-node.ts';
import { requireChordStore } from './chord-store.ts';

/** The value a step receives from the step before it. */
export interface Passed {
  value: unknown;
}

/** What a node inherits from where it sits in a bigger workflow. */
export interface Placement {
  /** Steps to run after this node, with its value. */
  rest?: CanvasNode[];
  /** The chord this node's last step is a member of. */
  chord?: ChordMembership;
  groupId?: string;
}

/** Who sends: the task whose end sends the next steps, if any. */
export interface Sender {
  host: CanvasHost;
  parent?: Envelope;
}

/**
 * Turns the part of a workflow that can start now into messages, appended to `out`. Nodes
 * must carry their ids already (see assignIds). Steps after the first of a chain travel inside
 * the first step's message and are planned again when it ends, so a message carries only what
 * remains.
 */
export function planSends(
  sender: Sender,
  node: CanvasNode,
  passed: Passed | undefined,
  placement: Placement,
  out: Envelope[],
): void {
  switch (node.kind) {
    case 'task':
      out.push(taskEnvelope(sender, node, passed, placement));
      return;
    case 'chain':
      planChain(sender, node.steps, passed, placement, out);
      return;
    case 'group':
      planGroup(sender, node, passed, placement, out);
      return;
    case 'chord':
      planChord(sender, node, passed, placement, out);
      return;
  }
}

function planChain(
  sender: Sender,
  steps: CanvasNode[],
  passed: Passed | undefined,
  placement: Placement,
  out: Envelope[],
): void {
  const [first, ...after] = steps;
  if (!first) throw new CeleriacError('BAD_WORKFLOW', 'a chain needs at least one step');
  const rest = [...after, ...(placement.rest ?? [])];
  if (first.kind === 'chain') {
    planChain(sender, [...first.steps, ...rest], passed, { ...placement, rest: [] }, out);
    return;
  }
  if (first.kind === 'group' && rest.length > 0) {
    // A group followed by more steps is a chord: the next step gets every member's value.
    const body: CanvasNode =
      rest.length === 1 ? (rest[0] as CanvasNode) : { kind: 'chain', steps: rest };
    const chord: ChordNode = { kind: 'chord', id: first.id, members: first.members, body };
    planChord(sender, chord, passed, { chord: placement.chord }, out);
    return;
  }
  planSends(sender, first, passed, { ...placement, rest }, out);
}

function planGroup(
  sender: Sender,
  node: GroupNode,
  passed: Passed | undefined,
  placement: Placement,
  out: Envelope[],
): void {
  if (placement.chord)
    throw new CeleriacError(
      'BAD_WORKFLOW',
      'a group cannot end a chord member; make the member a chain ending in a task',
    );
  for (const member of node.members) {
    planSends(sender, member, passed, { groupId: node.id }, out);
  }
}

function planChord(
  sender: Sender,
  node: ChordNode,
  passed: Passed | undefined,
  placement: Placement,
  out: Envelope[],
): void {
  if (placement.chord)
    throw new CeleriacError('BAD_WORKFLOW', 'a chord cannot be a member of another chord');
  const rest = placement.rest ?? [];
  const body: CanvasNode =
    rest.length > 0 ? { kind: 'chain', steps: [node.body, ...rest] } : node.body;
  requireChordStore(sender.host);
  const size = node.members.length;
  if (size === 0) {
    planSends(sender, body, { value: [] }, {}, out);
    return;
  }
  // A chord planned again after a redelivery keeps the id it was given when first sent, so
  // its members are still counted once each.
  const id = node.id ?? randomUUID();
  node.members.forEach((member, index) => {
    const chord: ChordMembership = { id, size, index, body };
    if (node.linkError) chord.linkError = node.linkError;
    planSends(sender, member, passed, { chord, groupId: id }, out);
  });
}

function taskEnvelope(
  sender: Sender,
  node: TaskNode,
  passed: Passed | undefined,
  placement: Placement,
): Envelope {
  const { host, parent } = sender;
  const task = host.registry.find(node.task);
  const args = node.immutable || passed === undefined ? node.args : [passed.value, ...node.args];
  const envelope = buildEnvelope(node.task, args, sendOptionsOf(node), task?.options, host);
  if (parent) {
    envelope.rootId = parent.rootId;
    envelope.parentId = parent.id;
  }
  const { link, linkError } = node.options;
  if (link?.length) envelope.links = link;
  if (linkError?.length) envelope.errbacks = linkError;
  if (placement.rest?.length) envelope.chain = placement.rest;
  if (placement.chord) envelope.chord = placement.chord;
  if (placement.groupId) envelope.groupId = placement.groupId;
  return envelope;
}

function sendOptionsOf(node: TaskNode): SendOptions {
  const { link: _link, linkError: _linkError, expiresAt, ...options } = node.options;
  return expiresAt === undefined ? options : { ...options, expires: new Date(expiresAt) };
}
