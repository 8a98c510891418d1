import type { Logger } from 'pino';
import type { Broker } from '../brokers/contract/index.ts';
import type { CanvasHost } from '../canvas/canvas-host.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { AppEvents } from '../events/app-events.ts';
import type { RunnerHost } from '../executors/create-runner.ts';
import type { GateHost } from '../flow/admission.ts';
import type { CommandHost } from './worker-commands.ts';

/**
 * What a worker needs of its app: the broker, the coordination, the registry, the execution
 * chain and the events. The App is one; a worker never reaches past this.
 */
export interface WorkerHost extends CanvasHost, GateHost, CommandHost, RunnerHost {
  /** The app's config; its `worker` part holds the defaults of every worker option. */
  readonly config: AppConfig;
  /** The transport and its queue admin. */
  readonly broker: Broker;
  /** Where the worker's events are bridged and sent. */
  readonly events: AppEvents;
  /** The app's logger; the worker logs through a child of it. */
  readonly log: Logger;
  /** Connects the broker, the coordination and the result backend once. */
  connect(): Promise<void>;
}
