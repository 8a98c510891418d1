import type { Logger } from 'pino';
import type { Broadcast, Unsubscribe } from '../brokers/contract/broadcast.ts';
import {
  CONTROL_CHANNEL,
  type ControlReply,
  type ControlRequest,
  parseRequest,
  type WorkerCommand,
} from './control-protocol.ts';

/** Runs one command for one request; throwing answers with the error's message. */
export type CommandHandler = (args: Record<string, unknown>) => unknown | Promise<unknown>;

/**
 * A worker's end of the control channel: answers the requests addressed to it (or to every
 * worker) on their reply channels. A malformed request is logged and dropped.
 */
export class ControlServer {
  #unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly name: string,
    private readonly handlers: Record<WorkerCommand, CommandHandler>,
    private readonly log: Logger,
  ) {}

  /** Starts listening on the control channel. */
  async start(broadcast: Broadcast): Promise<void> {
    this.#unsubscribe = await broadcast.subscribe(CONTROL_CHANNEL, (payload) => {
      const request = parseRequest(payload);
      if (typeof request === 'string') {
        this.log.warn(`ignored a control request: ${request}`);
        return;
      }
      if (request.destination && !request.destination.includes(this.name)) return;
      void this.#answer(broadcast, request);
    });
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  async #answer(broadcast: Broadcast, request: ControlRequest): Promise<void> {
    const base = { requestId: request.id, worker: this.name };
    let reply: ControlReply;
    try {
      const data = await this.handlers[request.command](request.args);
      reply = { ...base, ok: true, data: data ?? null };
    } catch (error) {
      reply = { ...base, ok: false, error: (error as Error).message ?? String(error) };
    }
    try {
      await broadcast.publish(request.replyTo, JSON.stringify(reply));
    } catch (error) {
      this.log.warn({ err: error, command: request.command }, 'could not send a control reply');
    }
  }
}
