import type { ClusterEvent } from './cluster-event.ts';

/**
 * Exports events to an external store (a log store, a warehouse, a webhook). The app hands a
 * sink batches from a bounded buffer off the task's path: a sink that is slow or throws never
 * fails or slows a task; its errors and the events dropped while it lagged are counted.
 */
export interface EventSink {
  /** Shown in logs and in the `celeriac_event_sink_*` metrics. */
  readonly name: string;
  /** Only events of these types reach the sink (filtered before buffering); default: all. */
  readonly types?: readonly ClusterEvent['type'][];
  /** Stores one batch, oldest first; a rejection drops the batch and is counted and logged. */
  write(events: readonly ClusterEvent[]): Promise<void>;
  /** Flushes and releases what the sink holds (files, sockets); called once at app close. */
  close?(): Promise<void>;
}
