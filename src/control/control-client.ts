import { randomUUID } from 'node:crypto';
import type { Coordination } from '../brokers/contract/index.ts';
import { CeleriacError } from '../errors/errors.ts';
import {
  CONTROL_CHANNEL,
  type ControlReply,
  type ControlRequest,
  type WorkerCommand,
} from './control-protocol.ts';

/** How a broadcast request waits for replies. */
export interface BroadcastOptions {
  /** Node names that should answer; default every live worker. */
  destination?: string[];
  /** How long to collect replies, in ms. Default 1000. */
  timeoutMs?: number;
  /** Stop waiting once this many replies arrived (default: the destinations' count, if given). */
  limit?: number;
}

/** No worker answered within the timeout. */
export class NoReply extends CeleriacError {
  constructor(timeoutMs: number, destination?: string[]) {
    const who = destination
      ? `from ${destination.map((d) => `"${d}"`).join(', ')}`
      : 'from any worker';
    super('NO_REPLY', `no reply ${who} within ${formatSeconds(timeoutMs)}`);
  }
}

/** Sends a command to workers over the broker's broadcast and gathers their replies. */
export async function broadcastCommand(
  coordination: Pick<Coordination, 'broadcast'>,
  command: WorkerCommand,
  args: Record<string, unknown>,
  options: BroadcastOptions = {},
): Promise<ControlReply[]> {
  const broadcast = coordination.broadcast;
  if (!broadcast)
    throw new CeleriacError('NO_BROADCAST', 'this broker has no control channel (no broadcast)');
  const timeoutMs = options.timeoutMs ?? 1000;
  const limit = options.limit ?? options.destination?.length ?? Number.POSITIVE_INFINITY;
  const request: ControlRequest = {
    id: randomUUID(),
    command,
    args,
    replyTo: `reply:${randomUUID()}`,
  };
  if (options.destination) request.destination = options.destination;
  const replies: ControlReply[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const unsubscribe = await broadcast.subscribe(request.replyTo, (payload) => {
    const reply = parseReply(payload, request.id);
    if (!reply || replies.some((r) => r.worker === reply.worker)) return;
    replies.push(reply);
    if (replies.length >= limit) done();
  });
  const timer = setTimeout(done, timeoutMs);
  try {
    await broadcast.publish(CONTROL_CHANNEL, JSON.stringify(request));
    await finished;
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
  return replies.sort((a, b) => a.worker.localeCompare(b.worker));
}

function parseReply(payload: string, requestId: string): ControlReply | undefined {
  try {
    const reply = JSON.parse(payload) as ControlReply;
    if (reply.requestId !== requestId || typeof reply.worker !== 'string') return undefined;
    return reply;
  } catch {
    return undefined;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}
