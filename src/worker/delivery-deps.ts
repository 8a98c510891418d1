import type { Logger } from 'pino';
import type { ResultBackend } from '../backends/backend.ts';
import type { RegisteredBatchTask } from '../batching/batch-spec.ts';
import type { Delivery } from '../brokers/contract/index.ts';
import type { RevokedIds } from '../control/revoked-ids.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { AttemptRunner } from '../executors/attempt-runner.ts';
import type { TaskRegistry } from '../task/registry.ts';
import type { AdmitDeps } from './admit-delivery.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import type { SettleDeps } from './settle.ts';
import type { TasksInHand } from './tasks-in-hand.ts';

/** Where a worker buffers the messages of batch tasks until a batch is full or due. */
export interface BatchBuffer {
  /** Holds a delivery of a batch task for its next batch. */
  add(task: RegisteredBatchTask, delivery: Delivery, envelope: Envelope): Promise<void>;
  /** The envelopes buffered now, for inspect. */
  bufferedEnvelopes(): Envelope[];
}

/** What one delivery's processing needs from the worker. */
export interface DeliveryDeps extends SettleDeps, AdmitDeps {
  registry: TaskRegistry;
  runner: AttemptRunner;
  backend: ResultBackend | undefined;
  resultTtlMs: number;
  leases: LeaseKeeper;
  /** Aborted when the worker gives up on running tasks (shutdown). */
  shutdown: AbortSignal;
  log: Logger;
  /** Buffers the messages of batch tasks; without it they run as batches of one. */
  batches?: BatchBuffer;
  /** Ids revoked in the cluster: such a message is acked and never starts. */
  revoked?: RevokedIds;
  /** What this worker holds, for inspect. */
  inHand?: TasksInHand;
}
