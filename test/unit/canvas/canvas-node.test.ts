import { describe, expect, it } from 'vitest';
import { validateMembership, validateNode } from '../../../src/canvas/canvas-node.ts';
import { validateEnvelope } from '../../../src/envelope/envelope.ts';

const task = { kind: 'task', task: 'add', args: [1], options: {} };

describe('workflow nodes decoded from messages', () => {
  it('accepts every kind, nested', () => {
    const node = {
      kind: 'chain',
      steps: [
        task,
        { kind: 'group', members: [task] },
        { kind: 'chord', members: [task], body: task },
      ],
    };
    expect(validateNode(node)).toBe(node);
  });

  it('names the path of the bad field', () => {
    expect(() =>
      validateNode({ kind: 'chain', steps: [task, { kind: 'task', args: [] }] }),
    ).toThrow('malformed message: node.steps[1].task must be a non-empty string');
    expect(() => validateNode({ kind: 'loop' })).toThrow(
      'malformed message: node.kind must be task, chain, group or chord',
    );
    expect(() =>
      validateNode({
        ...task,
        options: { link: [{ kind: 'task', task: 'x', args: 1, options: {} }] },
      }),
    ).toThrow('malformed message: node.options.link[0].args must be an array');
  });

  it('checks chord membership bounds', () => {
    expect(() => validateMembership({ id: 'c', size: 2, index: 2, body: task })).toThrow(
      'malformed message: chord.index must be an integer from 0 to size - 1',
    );
    expect(() => validateMembership({ id: 'c', size: 0, index: 0, body: task })).toThrow(
      'malformed message: chord.size must be a positive integer',
    );
  });

  it('a message with a malformed chain is rejected on receipt, naming the field', () => {
    const message = { task: 'add', args: [], chain: [{ kind: 'task' }] };
    expect(() => validateEnvelope(message, { id: 'm1', queue: 'default' })).toThrow(
      'malformed message: field "chain"[0].task must be a non-empty string',
    );
  });
});
