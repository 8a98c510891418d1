import { fileURLToPath } from 'node:url';
import { openBullProducer } from './bullmq/producer.ts';
import { openCeleriacProducer } from './celeriac/producer.ts';
import type { Payload } from './child/protocol.ts';

/** The two systems under comparison. */
export type SystemName = 'celeriac' | 'bullmq';

/** A connected producer of one system on one key prefix. */
export interface Producer {
  /** Sends one task and resolves once the broker stored it. */
  enqueueOne(payload: Payload): Promise<void>;
  /** Sends all payloads in one bulk call. */
  enqueueBulk(payloads: Payload[]): Promise<void>;
  /** Sends one task due `delayMs` from now. */
  enqueueDelayed(payload: Payload, delayMs: number): Promise<void>;
  /** Tasks not finished yet: waiting, delayed or running. */
  pending(): Promise<number>;
  /** Tasks that ended up failed or dead-lettered. */
  failed(): Promise<number>;
  close(): Promise<void>;
}

/** How the runner drives one system. */
export interface System {
  name: SystemName;
  open(redisUrl: string, prefix: string, queue: string): Promise<Producer>;
  /** The worker child script, spawned under tsx. */
  workerScript: string;
  /**
   * The same worker as a plain-JavaScript child for plain `node` (Celeriac's built dist/,
   * BullMQ's package), for the figures that measure the worker process as a user runs it.
   */
  plainWorkerScript: string;
}

/** Both systems, Celeriac first (the table's column order). */
export const SYSTEMS: System[] = [
  {
    name: 'celeriac',
    open: openCeleriacProducer,
    workerScript: fileURLToPath(new URL('./celeriac/worker.ts', import.meta.url)),
    plainWorkerScript: fileURLToPath(new URL('./celeriac/plain-worker.mjs', import.meta.url)),
  },
  {
    name: 'bullmq',
    open: openBullProducer,
    workerScript: fileURLToPath(new URL('./bullmq/worker.ts', import.meta.url)),
    plainWorkerScript: fileURLToPath(new URL('./bullmq/plain-worker.mjs', import.meta.url)),
  },
];
