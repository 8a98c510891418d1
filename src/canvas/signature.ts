import { type AnyCanvas, SingleCanvas } from './canvas.ts';
import type { CanvasHost } from './canvas-host.ts';
import type { CanvasNode, NodeOptions, TaskNode } from './canvas-node.ts';

/** Options a signature can carry (`.set(...)`): when and where the task runs, and callbacks. */
export interface SignatureOptions {
  /** The queue to send the task to, over the task's queue and the app's routes. */
  queue?: string;
  /** 0 to 9, higher runs first; overrides the task's priority. */
  priority?: number;
  /** Counted from when this step is sent (for a chain step: when the step before it ended). */
  countdown?: string | number;
  /** The time (a Date or an ISO string) before which the task may not start. */
  eta?: Date | string;
  /** A duration counted from when this step is sent, or a time. */
  expires?: string | number | Date;
  /** A task id of your own; by default one is made when the step is sent. */
  id?: string;
  /** Headers of your own, carried with the message (`ctx.headers`). */
  headers?: Record<string, unknown>;
  /** Keyword arguments, for Celery-style handlers (`ctx.kwargs`). */
  kwargs?: Record<string, unknown>;
}

/**
 * One task call that can be sent later or as part of a workflow: `task.s(...)` (partial: in a
 * chain it receives the previous value as its first argument) or `task.si(...)` (immutable).
 */
export class Signature<R, P = never> extends SingleCanvas<R, P> {
  constructor(
    host: CanvasHost,
    private readonly node: TaskNode,
  ) {
    super(host);
  }

  /** The registered task name. */
  get taskName(): string {
    return this.node.task;
  }

  /** The arguments given so far. */
  get args(): readonly unknown[] {
    return this.node.args;
  }

  /** A copy with these options added. */
  set(options: SignatureOptions): Signature<R, P> {
    return this.with(nodeOptionsOf(options));
  }

  /** A copy that also sends `callback` with this task's value when it succeeds. */
  link(callback: AnyCanvas): Signature<R, P> {
    return this.with({ link: [...(this.node.options.link ?? []), callback.toNode()] });
  }

  /** A copy that also sends `errback` with a TaskFailureInfo when this task fails for good. */
  onError(errback: AnyCanvas): Signature<R, P> {
    return this.with({ linkError: [...(this.node.options.linkError ?? []), errback.toNode()] });
  }

  /** A copy that ignores the previous step's value (what `si()` makes). */
  immutable(): Signature<R, unknown> {
    return new Signature(this.host, { ...this.node, immutable: true });
  }

  /** The task call as plain JSON. */
  toNode(): CanvasNode {
    return this.node;
  }

  private with(options: NodeOptions): Signature<R, P> {
    return new Signature(this.host, {
      ...this.node,
      options: { ...this.node.options, ...options },
    });
  }
}

/** Signature options in their wire form: dates become ISO strings. */
export function nodeOptionsOf(options: SignatureOptions): NodeOptions {
  const { eta, expires, ...rest } = options;
  const node: NodeOptions = rest;
  if (eta !== undefined) node.eta = eta instanceof Date ? eta.toISOString() : eta;
  if (expires instanceof Date) node.expiresAt = expires.toISOString();
  else if (expires !== undefined) node.expires = expires;
  return node;
}
