/** What a live worker tells the cluster about itself in each heartbeat. */
export interface WorkerInfo {
  /** Node name, `name@host`; unique in a cluster. */
  name: string;
  /** The host it runs on. */
  hostname: string;
  /** Its process id on that host. */
  pid: number;
  /** The queues it consumes now, in priority order. */
  queues: string[];
  /** Slots now. */
  concurrency: number;
  /** Tasks running now. */
  active: number;
  /** Tasks finished since it started (succeeded, failed, retried). */
  processed: number;
  /** Where its handlers run: `async`, `threads` or `process`. */
  pool: string;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms of this heartbeat. */
  heartbeatAt: number;
}

/**
 * The live workers of a cluster, kept in the broker: each worker refreshes its record on a
 * heartbeat, and a record whose worker stopped beating lapses after its time to live.
 */
export interface WorkerRegistry {
  /** Records or refreshes a worker; it is live until `ttlMs` passes without another beat. */
  heartbeat(info: WorkerInfo, ttlMs: number): Promise<void>;
  /** Removes a worker that went offline cleanly. */
  remove(name: string): Promise<void>;
  /** The live workers, by name. */
  list(): Promise<WorkerInfo[]>;
}
