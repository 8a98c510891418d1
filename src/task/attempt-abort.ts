/**
 * The abort side of one attempt, made only when something needs it: most handlers never look
 * at their signal, and an AbortController per task is a measurable share of a worker's time.
 * It follows `outer` (the worker's shutdown signal) once created.
 */
export class AttemptAbort {
  #controller: AbortController | undefined;
  #detach: (() => void) | undefined;

  constructor(private readonly outer?: AbortSignal) {}

  /** The attempt's signal (`ctx.signal`). */
  get signal(): AbortSignal {
    return this.#ensure().signal;
  }

  /** Why the attempt was aborted, if it was; creates nothing. */
  get reason(): unknown {
    if (this.#controller)
      return this.#controller.signal.aborted ? this.#controller.signal.reason : undefined;
    return this.outer?.aborted ? this.outer.reason : undefined;
  }

  /** Aborts the attempt's signal with `reason`. */
  abort(reason: unknown): void {
    this.#ensure().abort(reason);
  }

  /** Stops following the outer signal (the attempt is over). */
  dispose(): void {
    this.#detach?.();
  }

  #ensure(): AbortController {
    if (this.#controller) return this.#controller;
    const controller = new AbortController();
    this.#controller = controller;
    const outer = this.outer;
    if (outer?.aborted) controller.abort(outer.reason);
    else if (outer) {
      const follow = () => controller.abort(outer.reason);
      outer.addEventListener('abort', follow, { once: true });
      this.#detach = () => outer.removeEventListener('abort', follow);
    }
    return controller;
  }
}
