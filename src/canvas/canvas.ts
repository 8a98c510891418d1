import type { AsyncResult } from '../result/async-result.ts';
import type { CanvasHost } from './canvas-host.ts';
import type { CanvasNode } from './canvas-node.ts';
import type { GroupResult } from './group-result.ts';
import { sendWorkflow } from './send-workflow.ts';

/**
 * Anything that can be sent as a workflow: a signature, chain, group or chord. `R` is the
 * value it produces; `P` the value it accepts from a step before it (`never`: it takes none,
 * so it can only come first; `unknown`: it ignores it).
 */
export abstract class Canvas<R, P = never> {
  // Phantom members: they make the type parameters part of the type's shape.
  /** Type-level only, never set: carries `R`, the value the canvas produces. */
  declare readonly __result?: R;
  /** Type-level only, never set: carries `P`, the value the canvas accepts. */
  declare readonly __accepts?: (value: P) => void;

  constructor(
    /** The app that sends it. */
    readonly host: CanvasHost,
  ) {}

  /** The workflow as plain JSON, as it travels in messages. */
  abstract toNode(): CanvasNode;

  /** Same as toNode(), so JSON.stringify(workflow) gives its wire form. */
  toJSON(): CanvasNode {
    return this.toNode();
  }
}

/** A canvas whose outcome is one task's: a signature, a chain or a chord. */
export abstract class SingleCanvas<R, P = never> extends Canvas<R, P> {
  /** Sends it; resolves once every message that can start now is stored. */
  async applyAsync(): Promise<AsyncResult<R>> {
    return (await sendWorkflow(this.host, this.toNode())) as AsyncResult<R>;
  }

  /** Same as applyAsync(). */
  delay(): Promise<AsyncResult<R>> {
    return this.applyAsync();
  }
}

/** The value a canvas produces. */
export type ResultOf<C> = C extends Canvas<infer R, infer _P> ? R : never;

/** Any canvas, whatever it produces or accepts. */
// `never` is the accepted value every canvas can take.
// biome-ignore lint/suspicious/noExplicitAny: a canvas of any result must fit here.
export type AnyCanvas = Canvas<any, never>;

/** The values of a list of canvases, position by position. */
export type ResultsOf<T extends readonly AnyCanvas[]> = {
  -readonly [K in keyof T]: ResultOf<T[K]>;
};

/** What a group's `applyAsync` returns. */
export type GroupResultOf<T extends readonly AnyCanvas[]> = GroupResult<ResultsOf<T>>;
