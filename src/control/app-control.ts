import type { Coordination } from '../brokers/contract/index.ts';
import type { WorkerInfo } from '../brokers/contract/worker-registry.ts';
import { CeleriacError } from '../errors/errors.ts';
import {
  listRateLimits,
  type RateChange,
  type RateControlHost,
  setRateLimit,
} from '../flow/rate/rate-control.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { type BroadcastOptions, broadcastCommand, NoReply } from './control-client.ts';
import type { ControlReply, WorkerCommand } from './control-protocol.ts';

/** How long a revoke is kept in the broker unless told otherwise (Celery keeps 3 hours). */
export const DEFAULT_REVOKE_TTL = '3h';

/** How to revoke. */
export interface RevokeOptions extends BroadcastOptions {
  /** Also stop the task if it is running (threads and process pools kill its child). */
  terminate?: boolean;
  /** How long workers that start later still honour it. Default 3h. */
  ttl?: Duration;
}

/** What cluster-wide control needs of the app. */
export interface ControlHost extends RateControlHost {
  /** Where broadcast, revokes and the worker registry live. */
  readonly coordination: Coordination;
  /** Connects the broker and the coordination before a command is sent. */
  connect(): Promise<void>;
}

/** Changes that apply to the whole cluster at runtime, through the broker (`app.control`). */
export class AppControl {
  constructor(private readonly app: ControlHost) {}

  /**
   * Sets a rate-limited task's limit for every worker: `'10/s'`, `'off'` (no limit) or
   * `'reset'` (back to the code's). Throws UnknownTask, InvalidRate or NotRateLimited.
   */
  async rateLimit(task: string, rate: string): Promise<RateChange> {
    await this.app.connect();
    return setRateLimit(this.app, task, rate);
  }

  /** The rate limits changed at runtime, as text by task name. */
  async rateLimits(): Promise<Map<string, string>> {
    await this.app.connect();
    return listRateLimits(this.app);
  }

  /**
   * Sends a command to live workers and returns their replies, sorted by worker; throws
   * NoReply when none answered within the timeout, and UnknownDestination for a node name
   * the broker's worker registry does not know.
   */
  async broadcast(
    command: WorkerCommand,
    args: Record<string, unknown> = {},
    options: BroadcastOptions = {},
  ): Promise<ControlReply[]> {
    await this.app.connect();
    const expect = await this.expectedReplies(options);
    const replies = await broadcastCommand(this.app.coordination, command, args, expect);
    if (replies.length === 0) throw new NoReply(options.timeoutMs ?? 1000, options.destination);
    return replies;
  }

  /**
   * Revokes task ids: stored in the broker for `ttl` (so workers that start later skip them
   * too), then told to live workers, which terminate running ones when asked. Revoking does not
   * need any worker to answer.
   */
  async revoke(ids: string[], options: RevokeOptions = {}): Promise<ControlReply[]> {
    const store = this.app.coordination.revokes;
    if (!store)
      throw new CeleriacError('NO_REVOKES', `${this.app.coordinationLabel} keeps no revokes`);
    if (ids.length === 0)
      throw new CeleriacError('BAD_ARGUMENT', 'revoke needs at least one task id');
    const ttlMs = parseDuration(options.ttl ?? DEFAULT_REVOKE_TTL);
    await this.app.connect();
    const expect = await this.expectedReplies(options);
    await store.revoke(ids, ttlMs);
    const args = { ids, terminate: options.terminate === true, expiresAt: Date.now() + ttlMs };
    return broadcastCommand(this.app.coordination, 'revoke', args, expect);
  }

  /** The live workers the broker knows of (empty when it keeps no registry). */
  async workers(): Promise<WorkerInfo[]> {
    await this.app.connect();
    return (await this.app.coordination.workers?.list()) ?? [];
  }

  /**
   * Checks the destination against the registry, and stops waiting once every live worker
   * addressed has answered (a worker the registry does not know yet may still answer before
   * the timeout; one that is gone never will).
   */
  private async expectedReplies(options: BroadcastOptions): Promise<BroadcastOptions> {
    const registry = this.app.coordination.workers;
    if (!registry || options.limit !== undefined) return options;
    const live = (await registry.list()).map((w) => w.name);
    const destination = options.destination;
    if (destination) {
      const unknown = destination.filter((name) => !live.includes(name));
      if (unknown.length > 0) throw new UnknownDestination(unknown, live);
      return options;
    }
    return live.length > 0 ? { ...options, limit: live.length } : options;
  }
}

/** A destination names no live worker. */
export class UnknownDestination extends CeleriacError {
  constructor(unknown: string[], live: string[]) {
    const names = unknown.map((n) => `"${n}"`).join(', ');
    const known = live.length > 0 ? `live workers: ${live.join(', ')}` : 'no worker is live';
    super(
      'UNKNOWN_DESTINATION',
      `unknown destination ${names}: no live worker has that name (${known})`,
    );
  }
}
