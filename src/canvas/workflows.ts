import { CeleriacError } from '../errors/errors.ts';
import { type AnyCanvas, Canvas, type ResultOf, type ResultsOf, SingleCanvas } from './canvas.ts';
import type { CanvasHost } from './canvas-host.ts';
import type { CanvasNode, ChordNode } from './canvas-node.ts';
import type { GroupResult } from './group-result.ts';
import { sendWorkflow } from './send-workflow.ts';

type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
type AcceptsOf<C> = C extends Canvas<infer _R, infer P> ? P : never;

/** A step that cannot take the previous step's value, in place of the step in a type error. */
interface StepRejectsValue<Value> {
  readonly 'this step cannot take the value of the step before it': Value;
}

/**
 * Each step after the first must accept the value of the step before it. A list whose length
 * is not known to the compiler (steps built in a loop) is checked at run time only.
 */
export type CheckedSteps<S extends readonly unknown[]> = number extends S['length']
  ? S
  : CheckedTuple<S>;

type CheckedTuple<S extends readonly unknown[], Before = undefined> = S extends readonly [
  infer Head,
  ...infer Tail,
]
  ? [
      Before extends undefined
        ? Head
        : [ResultOf<Before>] extends [AcceptsOf<Head>]
          ? Head
          : StepRejectsValue<ResultOf<Before>>,
      ...CheckedTuple<Tail, Head>,
    ]
  : [];

/** Steps run one after the other; each receives the value of the one before. */
export class Chain<R, P = never> extends SingleCanvas<R, P> {
  constructor(
    host: CanvasHost,
    /** The steps, in the order they run. */
    readonly steps: readonly AnyCanvas[],
    private readonly errbacks: readonly AnyCanvas[] = [],
  ) {
    super(host);
  }

  /** A copy whose every step sends `errback` when it fails for good (the chain stops there). */
  onError(errback: AnyCanvas): Chain<R, P> {
    return new Chain(this.host, this.steps, [...this.errbacks, errback]);
  }

  /** The chain as plain JSON; its error callbacks are copied onto each task step. */
  toNode(): CanvasNode {
    const errbacks = this.errbacks.map((errback) => errback.toNode());
    return {
      kind: 'chain',
      steps: this.steps.map((step) => withErrbacks(step.toNode(), errbacks)),
    };
  }
}

/** Members run in parallel; `applyAsync` gives a GroupResult of their values in order. */
export class Group<R extends unknown[]> extends Canvas<R, unknown> {
  constructor(
    host: CanvasHost,
    /** The canvases run in parallel; their values come back in this order. */
    readonly members: readonly AnyCanvas[],
  ) {
    super(host);
  }

  /** Sends every member in one broker call. */
  async applyAsync(): Promise<GroupResult<R>> {
    return (await sendWorkflow(this.host, this.toNode())) as GroupResult<R>;
  }

  /** Same as applyAsync(). */
  delay(): Promise<GroupResult<R>> {
    return this.applyAsync();
  }

  /** The group as plain JSON. */
  toNode(): CanvasNode {
    return { kind: 'group', members: this.members.map((member) => member.toNode()) };
  }
}

/** A group whose callback runs once with every member's value, in order, when all succeeded. */
export class Chord<R> extends SingleCanvas<R, unknown> {
  constructor(
    host: CanvasHost,
    /** The canvases run in parallel, as a group. */
    readonly members: readonly AnyCanvas[],
    /** The callback, sent with every member's value, in order, once all succeeded. */
    readonly body: AnyCanvas,
    private readonly errbacks: readonly AnyCanvas[] = [],
  ) {
    super(host);
  }

  /** A copy that sends `errback` with a ChordFailureInfo when a member fails for good. */
  onError(errback: AnyCanvas): Chord<R> {
    return new Chord(this.host, this.members, this.body, [...this.errbacks, errback]);
  }

  /** The chord as plain JSON. */
  toNode(): CanvasNode {
    const node: ChordNode = {
      kind: 'chord',
      members: this.members.map((member) => member.toNode()),
      body: this.body.toNode(),
    };
    if (this.errbacks.length > 0) node.linkError = this.errbacks.map((e) => e.toNode());
    return node;
  }
}

/** Runs steps one after the other, each receiving the value of the one before. */
export function chain<const S extends readonly [AnyCanvas, ...AnyCanvas[]]>(
  ...steps: S & CheckedSteps<S>
): Chain<ResultOf<Last<S>>, AcceptsOf<S[0]>> {
  return new Chain(hostOf(steps, 'chain'), steps);
}

/** Runs members in parallel. */
export function group<const S extends readonly AnyCanvas[]>(members: S): Group<ResultsOf<S>> {
  return new Group(hostOf(members, 'group'), members);
}

/** Runs `members` in parallel, then `body` once with all their values (needs a result backend). */
export function chord<const S extends readonly AnyCanvas[], R>(
  members: S | Group<ResultsOf<S>>,
  body: Canvas<R, ResultsOf<S>> | Canvas<R, unknown>,
): Chord<R> {
  const list = members instanceof Group ? members.members : members;
  return new Chord(body.host, list, body);
}

function hostOf(canvases: readonly AnyCanvas[], what: string): CanvasHost {
  const first = canvases[0];
  if (!first) throw new CeleriacError('BAD_WORKFLOW', `${what}() needs at least one signature`);
  return first.host;
}

/** Adds error callbacks to every task of a chain step (a group's members, a chord's members). */
function withErrbacks(node: CanvasNode, errbacks: CanvasNode[]): CanvasNode {
  if (errbacks.length === 0) return node;
  switch (node.kind) {
    case 'task':
      return {
        ...node,
        options: { ...node.options, linkError: [...(node.options.linkError ?? []), ...errbacks] },
      };
    case 'chain':
      return { ...node, steps: node.steps.map((step) => withErrbacks(step, errbacks)) };
    case 'group':
      return { ...node, members: node.members.map((member) => withErrbacks(member, errbacks)) };
    case 'chord':
      return {
        ...node,
        members: node.members.map((member) => withErrbacks(member, errbacks)),
        body: withErrbacks(node.body, errbacks),
      };
  }
}
