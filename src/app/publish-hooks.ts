import type { Logger } from 'pino';
import type { Envelope } from '../envelope/envelope.ts';
import { CeleriacError, coerceError } from '../errors/errors.ts';

/** What a publish hook learns beside the envelope. */
export interface PublishInfo {
  /**
   * The task whose end sends this envelope (a workflow's next step, a callback, a chord's
   * body), when a worker sends it; undefined for a producer's own sends.
   */
  readonly parent?: Envelope;
}

/** Told how the broker call that carried the envelope ended: no error when it was stored. */
export type PublishDone = (error?: Error) => void;

/**
 * Sees each envelope the app sends, once, before it is encoded, and may change it (add
 * headers). It may return a function the app calls once the broker call ends. A hook that
 * throws rejects the send: nothing of it is stored.
 */
export type PublishHook = (
  envelope: Envelope,
  info: PublishInfo,
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook with nothing to do after the send returns nothing
) => PublishDone | undefined | void;

/** The publish hooks of an app, run around each broker call that stores new messages. */
export class PublishHooks {
  private readonly hooks: PublishHook[] = [];

  constructor(private readonly log: Logger) {}

  /** Adds a hook; returns the function that removes it. */
  add(hook: PublishHook): () => void {
    if (typeof hook !== 'function')
      throw new TypeError(
        `onPublish needs a function, got ${hook === null ? 'null' : typeof hook}`,
      );
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  /** Runs every hook on each envelope, then `send` (which encodes and stores), then their dones. */
  async around<T>(envelopes: Envelope[], info: PublishInfo, send: () => Promise<T>): Promise<T> {
    if (this.hooks.length === 0) return send();
    const hooks = [...this.hooks];
    const dones: PublishDone[] = [];
    try {
      for (const envelope of envelopes) runHooks(hooks, envelope, info, dones);
    } catch (error) {
      this.finish(dones, coerceError(error));
      throw error;
    }
    let result: T;
    try {
      result = await send();
    } catch (error) {
      this.finish(dones, coerceError(error));
      throw error;
    }
    this.finish(dones, undefined);
    return result;
  }

  /** Calls each done; one that throws is logged, as the messages are stored (or not) already. */
  private finish(dones: PublishDone[], error: Error | undefined): void {
    for (const done of dones) {
      try {
        done(error);
      } catch (failure) {
        this.log.warn({ err: failure }, 'a publish hook failed after the send; ignored');
      }
    }
  }
}

function runHooks(
  hooks: PublishHook[],
  envelope: Envelope,
  info: PublishInfo,
  dones: PublishDone[],
): void {
  for (const hook of hooks) {
    let done: unknown;
    try {
      done = hook(envelope, info);
    } catch (error) {
      const cause = coerceError(error);
      throw new CeleriacError(
        'PUBLISH_HOOK',
        `a publish hook failed on task "${envelope.task}" (id ${envelope.id}), so it was not sent: ${cause.message}`,
        { cause },
      );
    }
    if (typeof done === 'function') dones.push(done as PublishDone);
  }
}
