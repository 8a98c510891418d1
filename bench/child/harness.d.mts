// Types of harness.mjs, the worker children's side of the IPC protocol.
import type { ChildConfig, Payload } from './protocol.ts';

/** Callbacks a system's worker wires to its handler and completion events. */
export interface ChildHooks {
  /** Call first thing in the handler. */
  handle(data: Payload): void;
  /** Call when the system reports a task completed (after its ack). */
  done(): void;
  /** Call when the system reports a task failed. */
  failed(reason: string): void;
}

/** A connected, not yet consuming, worker of one system. */
export interface ChildWorker {
  start(): Promise<void>;
  /** Stops gracefully and closes every connection. */
  stop(): Promise<void>;
}

/** Builds a system's worker from the config, wired to the hooks, connected but idle. */
export type ChildSetup = (config: ChildConfig, hooks: ChildHooks) => Promise<ChildWorker>;

/** Runs a worker child: ready → (go) consume → (stop) final report → exit. */
export function runWorkerChild(setup: ChildSetup): Promise<void>;
