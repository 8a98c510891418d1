/**
 * The control channel: a client broadcasts a request on `control`; every live worker it is
 * addressed to runs the command and answers on the request's own reply channel.
 */

export const CONTROL_CHANNEL = 'control';

/** Commands that read a worker's state (`celeriac inspect`). */
export const INSPECT_COMMANDS = [
  'ping',
  'active',
  'reserved',
  'scheduled',
  'registered',
  'stats',
  'active-queues',
  'revoked',
] as const;
/** The name of a command that reads a worker's state. */
export type InspectCommand = (typeof INSPECT_COMMANDS)[number];

/** Commands that change a worker (`celeriac control`). */
export const CONTROL_COMMANDS = [
  'revoke',
  'time-limit',
  'shutdown',
  'pool-grow',
  'pool-shrink',
  'add-consumer',
  'cancel-consumer',
] as const;
/** The name of a command that changes a worker. */
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

/** Any command a worker answers on the control channel. */
export type WorkerCommand = InspectCommand | ControlCommand;

/** One request as it travels. */
export interface ControlRequest {
  /** Unique per request; replies carry it back. */
  id: string;
  command: WorkerCommand;
  args: Record<string, unknown>;
  /** Node names that should answer; absent: every worker. */
  destination?: string[];
  /** The channel replies go to. */
  replyTo: string;
}

/** One worker's answer. */
export type ControlReply =
  | {
      /** The id of the request this answers. */
      requestId: string;
      /** The name of the worker that answers. */
      worker: string;
      /** The command ran. */
      ok: true;
      /** What it returned; its shape depends on the command. */
      data: unknown;
    }
  | {
      /** The id of the request this answers. */
      requestId: string;
      /** The name of the worker that answers. */
      worker: string;
      /** The command failed. */
      ok: false;
      /** Why, in words. */
      error: string;
    };

/** True for a command name a worker knows. */
export function isWorkerCommand(value: unknown): value is WorkerCommand {
  return (
    (INSPECT_COMMANDS as readonly unknown[]).includes(value) ||
    (CONTROL_COMMANDS as readonly unknown[]).includes(value)
  );
}

/** The request in a payload, or a reason it is not one. */
export function parseRequest(payload: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return 'not JSON';
  }
  const r = value as Partial<ControlRequest> | null;
  if (typeof r !== 'object' || r === null) return 'not an object';
  if (typeof r.id !== 'string' || typeof r.replyTo !== 'string') return 'no id or replyTo';
  if (!isWorkerCommand(r.command)) return `unknown command ${JSON.stringify(r.command)}`;
  if (typeof r.args !== 'object' || r.args === null) return 'args is not an object';
  if (r.destination !== undefined && !Array.isArray(r.destination))
    return 'destination is not a list';
  return r as ControlRequest;
}
